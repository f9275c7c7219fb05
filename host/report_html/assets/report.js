// The report's behaviour: the matrix filter (words and verdicts) and the
// shared ClientHello tables, filled into a cell when it opens (one copy of
// each in the page keeps a 1,000-cell report small). Without the script
// every cell is still in the page.
(function () {
  "use strict";
  const text = document.getElementById("filter-text");
  const boxes = Array.from(document.querySelectorAll("input.filter-verdict"));
  const count = document.getElementById("filter-count");
  const sections = Array.from(document.querySelectorAll("section.cell"));
  const cells = Array.from(document.querySelectorAll("#matrix td.cell"));
  const rows = Array.from(document.querySelectorAll("#matrix tbody tr"));

  // A log opens at its first marked line: what backs the finding.
  function showMark(section) {
    const log = section.querySelector("pre.log");
    const mark = log && log.querySelector("mark");
    if (mark) log.scrollTop = Math.max(0, mark.offsetTop - log.offsetTop - 60);
  }

  function fillHello(section) {
    const slot = section.querySelector("[data-hello]");
    if (!slot || slot.childElementCount > 0) return;
    const template = document.getElementById(slot.dataset.hello);
    if (template) slot.appendChild(template.content.cloneNode(true));
  }

  function applyFilter() {
    if (!text) return;
    const words = text.value.toLowerCase().split(/\s+/).filter(Boolean);
    const verdicts = new Set(boxes.filter((b) => b.checked).map((b) => b.value));
    const shown = (el) => verdicts.has(el.dataset.verdict) &&
        words.every((w) => el.dataset.search.includes(w));
    let visible = 0;
    for (const section of sections) {
      section.hidden = !shown(section);
      if (!section.hidden) visible++;
    }
    for (const cell of cells) cell.classList.toggle("filtered-out", !shown(cell));
    for (const cell of cells) cell.style.opacity = cell.classList.contains("filtered-out") ? "0.15" : "";
    for (const row of rows) row.hidden = !row.querySelector("td.cell:not(.filtered-out)");
    if (count) count.textContent = visible + " of " + sections.length + " cells shown";
  }

  if (text) {
    text.addEventListener("input", applyFilter);
    for (const box of boxes) box.addEventListener("change", applyFilter);
    document.addEventListener("keydown", (e) => {
      if (e.key === "/" && document.activeElement !== text) { e.preventDefault(); text.focus(); }
    });
    applyFilter();
  }
  for (const section of sections) {
    const details = section.querySelector("details");
    if (!details) continue;
    const opened = () => { fillHello(section); showMark(section); };
    if (details.open) opened();
    details.addEventListener("toggle", () => { if (details.open) opened(); });
  }
  // A link to a cell opens it.
  function openTarget() {
    const target = location.hash && document.getElementById(location.hash.slice(1));
    const details = target && target.querySelector("details");
    if (details) { details.open = true; fillHello(target); showMark(target); }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
