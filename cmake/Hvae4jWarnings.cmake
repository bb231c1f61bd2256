# Warnings for our own code: strict for C++, the host compiler's through nvcc for CUDA.
function(hvae4j_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-unused-parameter>
    $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall --Werror=cross-execution-space-call>)
endfunction()
