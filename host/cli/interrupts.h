#pragma once
// Ctrl-C and SIGTERM during `shakedown run`. Both signals are blocked in
// every thread and taken by one watcher thread, so no handler ever runs
// inside a lock or a half-written line. The first requests a stop: no cell
// starts, the cells under way give up promptly (as interrupted
// infrastructure errors) and the run writes its reports. The second calls
// `at_once` and ends the process at once, with the exit status for an
// interrupted run (children die with it: process::spawn).
//
// Construct it before any other thread starts (they inherit the blocked
// signals from the thread that starts them).

#include <atomic>
#include <functional>
#include <stop_token>
#include <thread>

namespace shakedown::cli {

class Interrupts {
 public:
  explicit Interrupts(std::function<void()> at_once);
  // Stops watching and unblocks the signals in this thread.
  ~Interrupts();
  Interrupts(const Interrupts&) = delete;
  Interrupts& operator=(const Interrupts&) = delete;

  std::stop_token stop_token() const { return stop_.get_token(); }
  bool interrupted() const { return stop_.stop_requested(); }

 private:
  void watch(std::stop_token done);

  std::function<void()> at_once_;
  std::stop_source stop_;
  std::jthread watcher_;
};

}  // namespace shakedown::cli
