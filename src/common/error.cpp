#include "astrom3/common/error.h"

// The exception classes are header-only; this translation unit anchors their vtables.
namespace astrom3 {}
