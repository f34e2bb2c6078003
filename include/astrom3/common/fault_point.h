// Test-only fault injection at named points of long-running commands.
//
// When the environment variable ASTROM3_FAULT is "NAME:SIGNAL" or "NAME@N:SIGNAL" (SIGNAL one of
// TERM, INT, KILL), the process raises that signal to itself when it reaches fault point NAME
// (for the Nth time), so that the CLI tests can stop a run at an exact point instead of racing
// it with `kill` (docs/reliability.md lists the points). Unset, a fault point does nothing
// beyond one getenv.
#pragma once

namespace astrom3 {

void fault_point(const char* name);

}  // namespace astrom3
