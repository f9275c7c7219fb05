#pragma once
// `shakedown report DIR`: rebuilds DIR/results.json, junit.xml and report.html from
// the journal a `shakedown run --out DIR` keeps (runner/journal.h), e.g.
// after the run was killed outright, and removes the temporary files such a
// run left in DIR.

#include <string>

namespace shakedown::cli {

// Returns the exit status the run's finished cells give (0, 1 or 2; 2 also
// for a run that did not finish); 3 when DIR holds no journal or a run is
// still writing there.
int report_command(const std::string& dir);

}  // namespace shakedown::cli
