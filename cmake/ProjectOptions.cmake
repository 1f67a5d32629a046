# Project options, warnings and sanitizers, in one place.
#
# Floating-point and instruction-set policy (see docs/BUILD.md):
#   The default build targets x86-64-v2 (SSE4.2, no AVX, no FMA) with
#   -ffp-contract=off and without -ffast-math, so that every x86-64 node of a
#   cluster bought in the last fifteen years computes the same bits.
#   CW_NATIVE=ON builds for the host CPU instead (faster, not portable bits).

option(CW_BUILD_TESTS "Build the test suite" ON)
option(CW_BUILD_BENCHMARKS "Build the Google Benchmark binaries" ON)
option(CW_WARNINGS_AS_ERRORS "Treat compiler warnings as errors" OFF)
option(CW_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(CW_FUZZ "Build the libFuzzer targets of tests/fuzz (clang; the fuzz preset)" OFF)
option(CW_NATIVE "Build for the host CPU (-march=native); results may differ between machines" OFF)
# The C++ runtime, yaml-cpp, libyaml and zlib linked into the program
# statically, fmt header-only (docs/BUILD.md; the archives are found in
# CMakeLists.txt). Never with the sanitizers, whose runtimes expect the
# shared C++ runtime, whatever the cache says.
option(CW_STATIC_RUNTIME "Link the C++ runtime, yaml-cpp, libyaml and zlib into cloudwars statically" ON)
if(CW_SANITIZE OR CW_FUZZ)
  set(CW_STATIC_RUNTIME OFF)
endif()

option(CW_BUILD_PYTHON "Build the Python module cloudwars (pybind11, for /usr/bin/python3) when pybind11 is found" ON)

option(CW_CLONES "Compile the rules' hot functions also for x86-64-v3 (AVX2), picked at load time (GCC target_clones)" ON)

set(CW_MARCH "x86-64-v2" CACHE STRING "-march value of the portable default build")
# The AVX2 clones are for the portable baselines x86-64 and x86-64-v2.
# Under -march=native or any other CW_MARCH, GCC cannot be relied on to
# inline the helpers compiled for that baseline into the x86-64-v3 clone
# (GCC 12 stops with an internal compiler error in choice.cpp under
# -march=native), so there are no clones, whatever the cache says.
if(CW_NATIVE OR NOT CW_MARCH MATCHES "^x86-64(-v2)?$")
  set(CW_CLONES OFF)
endif()

# The Python module links the engine's static libraries into a shared
# object, so their code is position independent then. Debian's GCC builds
# position-independent executables by default anyway; with
# -fno-semantic-interposition the code of the program is unchanged in
# substance (calls inside the libraries stay direct and inlinable).
if(CW_BUILD_PYTHON)
  set(CMAKE_POSITION_INDEPENDENT_CODE ON)
  add_compile_options(-fno-semantic-interposition)
endif()

add_library(cw_warnings INTERFACE)
target_compile_options(cw_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wnull-dereference -Wdouble-promotion -Wimplicit-fallthrough)
# GCC 12 reports -Wrestrict inside libstdc++ for `"literal" + std::string`
# (GCC bug 105329, fixed in GCC 13): a false positive, so it is off there.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(cw_warnings INTERFACE -Wno-restrict)
endif()
# GCC (and Clang) note the AVX calling convention of 32-byte vectors at
# every use; the row kernels' vectors (sim/core/simd.hpp) never cross a
# call, since every function passing one is always inlined (the rule there).
target_compile_options(cw_warnings INTERFACE -Wno-psabi)
if(CW_WARNINGS_AS_ERRORS)
  target_compile_options(cw_warnings INTERFACE -Werror)
endif()

add_library(cw_sanitizers INTERFACE)
if(CW_SANITIZE)
  target_compile_options(cw_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(cw_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
if(CW_FUZZ)
  # Every library instrumented for coverage; only the targets link libFuzzer's main.
  target_compile_options(cw_sanitizers INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined)
  target_link_options(cw_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

add_library(cw_arch INTERFACE)
if(CW_NATIVE)
  set(CW_ARCH_FLAGS -march=native -ffp-contract=off -fno-math-errno)
else()
  set(CW_ARCH_FLAGS -march=${CW_MARCH} -ffp-contract=off -fno-math-errno)
endif()
target_compile_options(cw_arch INTERFACE ${CW_ARCH_FLAGS})
# CW_CLONES=OFF: one x86-64-v2 (or native) version of every function
# (sim/core/rules/row_kernels.hpp). The asan preset builds this way, so that
# its run of the golden-file tests checks that the clones change no bits.
if(NOT CW_CLONES)
  target_compile_definitions(cw_arch INTERFACE CW_NO_CLONES)
endif()

list(JOIN CW_ARCH_FLAGS " " CW_ARCH_FLAGS_TEXT)
# The settings that can change results, recorded in --version and manifests.
string(JOIN " " CW_BUILD_SETTINGS
  "type=${CMAKE_BUILD_TYPE}"
  "compiler=${CMAKE_CXX_COMPILER_ID}-${CMAKE_CXX_COMPILER_VERSION}"
  "flags=[${CW_ARCH_FLAGS_TEXT}]"
  "sanitize=${CW_SANITIZE}"
  "clones=${CW_CLONES}")

# Open MPI (docs/CLUSTER.md): `mpirun -n K cloudwars sweep FILE` spreads a
# sweep's runs over K-1 worker ranks. On when MPI is found (scripts/setup
# installs libopenmpi-dev openmpi-bin); without it the program is the same
# but for MPI, and the `mpi`-labelled tests are not built.
find_package(MPI COMPONENTS CXX QUIET)
option(CW_MPI "Build cloudwars with MPI (mpirun -n K cloudwars sweep) when MPI is found" ${MPI_CXX_FOUND})
