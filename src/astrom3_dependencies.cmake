# C libraries astrom3_core links that have no CMake package of their own: libzip (photometry.zip
# of the published dataset) and CFITSIO (LAMOST FITS). Shared by the build (CMakeLists.txt) and
# the installed package (astrom3Config.cmake), so that both find them the same way.
#
# astrom3_find_c_library(PREFIX MODULE HEADER LIBRARY) defines the imported target
# PkgConfig::PREFIX: through pkg-config when present; otherwise by a plain header and library
# search (GPU machines without Debian packages, where the libraries come unpacked under
# CMAKE_PREFIX_PATH).
function(astrom3_find_c_library prefix module header library)
  if(TARGET PkgConfig::${prefix})
    return()
  endif()
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(${prefix} REQUIRED IMPORTED_TARGET ${module})
    return()
  endif()
  find_path(${prefix}_INCLUDE ${header} REQUIRED)
  find_library(${prefix}_LIBRARY ${library} REQUIRED)
  add_library(PkgConfig::${prefix} INTERFACE IMPORTED)
  set_target_properties(PkgConfig::${prefix} PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${${prefix}_INCLUDE}"
    INTERFACE_LINK_LIBRARIES "${${prefix}_LIBRARY}")
endfunction()
