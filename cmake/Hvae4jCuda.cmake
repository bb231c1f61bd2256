# Decides whether the CUDA library is built. HVAE4J_CUDA is "auto" (build when nvcc is found), "on" (fail
# without nvcc) or "off". nvcc is looked for where CMake looks, then in the CUDA toolkit's default folders,
# which are often not on PATH.
set(HVAE4J_CUDA "auto" CACHE STRING "Build the CUDA backend: auto, on or off")
set_property(CACHE HVAE4J_CUDA PROPERTY STRINGS auto on off)
string(TOLOWER "${HVAE4J_CUDA}" _hvae4j_cuda_mode)
if(NOT _hvae4j_cuda_mode MATCHES "^(auto|on|off)$")
  message(FATAL_ERROR "HVAE4J_CUDA must be auto, on or off, not '${HVAE4J_CUDA}'")
endif()

set(HVAE4J_BUILD_CUDA OFF)
set(HVAE4J_CUDA_REASON "disabled with HVAE4J_CUDA=off")
if(NOT _hvae4j_cuda_mode STREQUAL "off")
  if(NOT CMAKE_CUDA_COMPILER)
    find_program(_hvae4j_nvcc nvcc
      HINTS ENV CUDACXX ENV CUDA_HOME ENV CUDA_PATH
      PATH_SUFFIXES bin
      PATHS /usr/local/cuda/bin /usr/local/cuda-13.0/bin /usr/local/cuda-13.1/bin /usr/local/cuda-12/bin /opt/cuda/bin)
    if(_hvae4j_nvcc)
      set(CMAKE_CUDA_COMPILER "${_hvae4j_nvcc}" CACHE FILEPATH "nvcc" FORCE)
    endif()
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    enable_language(CUDA)
    set(HVAE4J_BUILD_CUDA ON)
    set(HVAE4J_CUDA_REASON "nvcc ${CMAKE_CUDA_COMPILER_VERSION} at ${CMAKE_CUDA_COMPILER}")
  else()
    set(HVAE4J_CUDA_REASON "no working nvcc found (set CUDACXX or put nvcc on PATH)")
    if(_hvae4j_cuda_mode STREQUAL "on")
      message(FATAL_ERROR "HVAE4J_CUDA=on but ${HVAE4J_CUDA_REASON}")
    endif()
  endif()
endif()
message(STATUS "hvae4j CUDA backend: ${HVAE4J_BUILD_CUDA} (${HVAE4J_CUDA_REASON})")
