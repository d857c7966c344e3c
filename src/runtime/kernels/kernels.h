#pragma once
// Every kernel's Prepare/Eval declaration, for the kernel table.

#include "runtime/kernels/activations.h"
#include "runtime/kernels/conv.h"
#include "runtime/kernels/data_movement.h"
#include "runtime/kernels/elementwise_binary.h"
#include "runtime/kernels/fully_connected.h"
#include "runtime/kernels/mean.h"
#include "runtime/kernels/pooling.h"
#include "runtime/kernels/quantize.h"
#include "runtime/kernels/softmax.h"
