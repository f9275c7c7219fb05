# The linker script's regions are the image's size check: a link whose data
# outgrows SRAM or CCM, or whose code outgrows flash, must fail, and one that
# fits must link. Run with -DCC=arm-none-eabi-gcc -DSCRIPT=nucleo_f429zi.ld -DWORK=<dir>.
file(MAKE_DIRECTORY ${WORK})

function(try_link name body expect)
  file(WRITE ${WORK}/${name}.c "#include <stdint.h>\n${body}\nvoid Reset_Handler(void) { for (;;) {} }\n")
  execute_process(COMMAND ${CC} -mcpu=cortex-m4 -mthumb -nostartfiles -nostdlib -T ${SCRIPT}
                          -o ${WORK}/${name}.elf ${WORK}/${name}.c
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
  if(expect STREQUAL "links")
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "${name}: should link, but:\n${err}")
    endif()
  elseif(rc EQUAL 0 OR NOT err MATCHES "region `${expect}' overflowed")
    message(FATAL_ERROR "${name}: should fail with region `${expect}' overflowed; exit ${rc}:\n${err}")
  endif()
endfunction()

try_link(fits "volatile uint8_t sram[96 * 1024]; __attribute__((section(\".ccm_bss\"))) volatile uint8_t ccm[32 * 1024];
               void* keep[] = {(void*)sram, (void*)ccm};" links)
try_link(sram_overflow "volatile uint8_t sram[190 * 1024]; void* keep = (void*)sram;" SRAM)
try_link(ccm_overflow "__attribute__((section(\".ccm_bss\"))) volatile uint8_t ccm[65 * 1024]; void* keep = (void*)ccm;" CCM)
try_link(flash_overflow "const uint8_t code[2049 * 1024] = {1}; const void* keep = code;" FLASH)
