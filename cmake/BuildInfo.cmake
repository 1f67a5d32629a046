# Writes build_info.hpp with the current git commit, at every build (not only
# at configure time), rewriting the file only when its content changes.
# Called as: cmake -DSOURCE_DIR=... -DTEMPLATE=... -DOUTPUT=... -DPROJECT_VERSION=...
#            -DCW_BUILD_SETTINGS=... -P BuildInfo.cmake
execute_process(
  COMMAND git rev-parse --short=12 HEAD
  WORKING_DIRECTORY ${SOURCE_DIR}
  OUTPUT_VARIABLE CW_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
execute_process(
  COMMAND git status --porcelain --untracked-files=no
  WORKING_DIRECTORY ${SOURCE_DIR}
  OUTPUT_VARIABLE CW_GIT_DIRTY OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT CW_GIT_COMMIT)
  set(CW_GIT_COMMIT "unknown")
elseif(CW_GIT_DIRTY)
  set(CW_GIT_COMMIT "${CW_GIT_COMMIT}-dirty")
endif()
configure_file(${TEMPLATE} ${OUTPUT} @ONLY)
