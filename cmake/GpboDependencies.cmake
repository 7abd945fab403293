# Finds gpbo's third-party dependencies and wraps each in an imported target named gpbo_dep::X.
# A missing dependency stops configure with one message naming the Debian package to install
# (scripts/install-deps installs all of them).
find_package(PkgConfig QUIET)

function(gpbo_missing what package)
  message(FATAL_ERROR "gpbo: ${what} not found. Install the Debian package '${package}' "
                      "(or run scripts/install-deps, which installs everything gpbo needs).")
endfunction()

if(NOT PKG_CONFIG_FOUND)
  gpbo_missing("pkg-config" "pkg-config")
endif()

# A library found by header + library name, wrapped in an imported target.
function(gpbo_find_plain target header library package)
  find_path(${target}_INCLUDE_DIR ${header} PATH_SUFFIXES ${ARGN})
  find_library(${target}_LIBRARY ${library})
  if(NOT ${target}_INCLUDE_DIR OR NOT ${target}_LIBRARY)
    gpbo_missing("${library} (${header})" "${package}")
  endif()
  add_library(gpbo_dep::${target} INTERFACE IMPORTED GLOBAL)
  target_include_directories(gpbo_dep::${target} INTERFACE ${${target}_INCLUDE_DIR})
  target_link_libraries(gpbo_dep::${target} INTERFACE ${${target}_LIBRARY})
endfunction()

# A library found through pkg-config.
function(gpbo_find_pc target module package)
  pkg_check_modules(GPBO_PC_${target} QUIET IMPORTED_TARGET GLOBAL ${module})
  if(NOT GPBO_PC_${target}_FOUND)
    gpbo_missing("${module}" "${package}")
  endif()
  add_library(gpbo_dep::${target} INTERFACE IMPORTED GLOBAL)
  target_link_libraries(gpbo_dep::${target} INTERFACE PkgConfig::GPBO_PC_${target})
endfunction()

# OpenBLAS provides CBLAS and LAPACK; LAPACKE is the C interface on top of it.
gpbo_find_pc(openblas openblas libopenblas-dev)
gpbo_find_plain(lapacke lapacke.h lapacke liblapacke-dev)
target_link_libraries(gpbo_dep::lapacke INTERFACE gpbo_dep::openblas)

# GSL without its own gslcblas: OpenBLAS supplies the cblas_* symbols (linking both would give
# two definitions of every cblas_* function).
gpbo_find_plain(gsl gsl/gsl_math.h gsl libgsl-dev)
target_link_libraries(gpbo_dep::gsl INTERFACE gpbo_dep::openblas m)

find_package(NLopt CONFIG QUIET)
if(NOT TARGET NLopt::nlopt)
  gpbo_missing("NLopt" "libnlopt-dev")
endif()
add_library(gpbo_dep::nlopt INTERFACE IMPORTED GLOBAL)
target_link_libraries(gpbo_dep::nlopt INTERFACE NLopt::nlopt)

gpbo_find_pc(yaml yaml-0.1 libyaml-dev)
gpbo_find_pc(jansson jansson libjansson-dev)
gpbo_find_pc(sqlite3 sqlite3 libsqlite3-dev)
gpbo_find_pc(libpq libpq libpq-dev)
gpbo_find_pc(zlib zlib zlib1g-dev)
gpbo_find_pc(plplot plplot libplplot-dev)
gpbo_find_pc(microhttpd libmicrohttpd libmicrohttpd-dev)

find_package(Threads REQUIRED)

if(GPBO_BUILD_TESTS)
  gpbo_find_pc(cmocka cmocka libcmocka-dev)
endif()
