#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Builds tiny detector models whose output encodes known boxes, for the
tests of headblur's head-model slot (tests/check/elements/headblur-byod.c).

Each ONNX model takes a [1,3,S,S] image and outputs a constant tensor in
one detector layout: the image goes through a global average pool and a
1x1 convolution with zero weights whose bias is the constant (so the
output depends on the input's shape but not on its values). The Darknet
pair (.cfg, .weights) is a global average pool, a 1x1 convolution with
zero weights whose bias gives the raw values, and one [yolo] layer on a
1x1 grid with three anchors: one box per anchor.

The boxes are given in the pixels of a TEST_W x TEST_H frame, which
headblur scales by S / max(TEST_W, TEST_H) into the top-left corner of
the S x S network input. Classes: 0 head, 1 face, 2 person.

Usage: make-tiny-models.py OUTDIR
"""

import math
import os
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

S = 160                      # network input side
TEST_W, TEST_H = 320, 240    # frame size of the test
SCALE = S / max(TEST_W, TEST_H)
N_CLASSES = 3
STRIDES = (8, 16, 32)

# (class, score, x, y, w, h) in frame pixels; the test asserts the same
# figures (headblur-byod.c: BOXES)
BOXES = [
    (0, 0.9, 40, 40, 60, 60),     # head: masked as it is
    (1, 0.8, 200, 40, 40, 40),    # face: widened to a head box
    (2, 0.7, 120, 120, 80, 110),  # person: head band at its top
    (0, 0.1, 260, 170, 40, 40),   # head below the threshold: not masked
]


def net_box(b):
    _, _, x, y, w, h = b
    return ((x + w / 2) * SCALE, (y + h / 2) * SCALE, w * SCALE, h * SCALE)


def grid_total():
    return sum((S // s) * (S // s) for s in STRIDES)


def yolov5_output():
    out = np.zeros((1, 3 * grid_total(), 5 + N_CLASSES), np.float32)
    for i, b in enumerate(BOXES):
        cx, cy, w, h = net_box(b)
        row = 7 * i + 3
        out[0, row, 0:4] = (cx, cy, w, h)
        out[0, row, 4] = 0.95                 # objectness
        out[0, row, 5 + b[0]] = b[1] / 0.95   # class score
    return out


def yolov8_output():
    out = np.zeros((1, 4 + N_CLASSES, grid_total()), np.float32)
    for i, b in enumerate(BOXES):
        cx, cy, w, h = net_box(b)
        col = 11 * i + 5
        out[0, 0:4, col] = (cx, cy, w, h)
        out[0, 4 + b[0], col] = b[1]
    return out


def yolox_output():
    """Raw head output (export without --decode_in_inference): per cell of
    the stride 8, 16, 32 grids, row-major: dx, dy (cell offsets), log w,
    log h (in strides), objectness, class scores (both after sigmoid)."""
    out = np.zeros((1, grid_total(), 5 + N_CLASSES), np.float32)
    for b in BOXES:
        cx, cy, w, h = net_box(b)
        s = 8
        gx, gy = int(cx // s), int(cy // s)
        idx = gy * (S // s) + gx
        out[0, idx, 0:4] = (cx / s - gx, cy / s - gy, math.log(w / s),
                            math.log(h / s))
        out[0, idx, 4] = 1.0
        out[0, idx, 5 + b[0]] = b[1]
    return out


def constant_model(value, path):
    n = int(value.size)
    x = helper.make_tensor_value_info("images", TensorProto.FLOAT,
                                      [1, 3, S, S])
    y = helper.make_tensor_value_info("output", TensorProto.FLOAT,
                                      list(value.shape))
    weight = numpy_helper.from_array(np.zeros((n, 3, 1, 1), np.float32), "w")
    bias = numpy_helper.from_array(value.reshape(-1).astype(np.float32), "b")
    shape = numpy_helper.from_array(np.array(value.shape, np.int64), "shape")
    nodes = [
        helper.make_node("GlobalAveragePool", ["images"], ["pooled"]),
        helper.make_node("Conv", ["pooled", "w", "b"], ["flat"],
                         kernel_shape=[1, 1]),
        helper.make_node("Reshape", ["flat", "shape"], ["output"]),
    ]
    graph = helper.make_graph(nodes, "tiny", [x], [y],
                              [weight, bias, shape])
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 11)])
    model.ir_version = 6
    onnx.checker.check_model(model)
    onnx.save(model, path)


def logit(p):
    return math.log(p / (1 - p))


def darknet(path_base):
    """cfg + weights of the 1x1-grid net; anchors 1 px so that the box size
    is carried by exp(tw) alone."""
    boxes = BOXES[:3]
    n_out = len(boxes) * (5 + N_CLASSES)
    cfg = f"""[net]
width={S}
height={S}
channels=3

[avgpool]

[convolutional]
size=1
stride=1
pad=0
filters={n_out}
activation=linear

[yolo]
mask=0,1,2
anchors=1,1, 1,1, 1,1
classes={N_CLASSES}
num=3
"""
    bias = []
    for b in boxes:
        cx, cy, w, h = net_box(b)
        raw = [logit(cx / S), logit(cy / S), math.log(w), math.log(h),
               logit(0.95)]
        cls = [-20.0] * N_CLASSES
        cls[b[0]] = logit(b[1] / 0.95)
        bias += raw + cls
    with open(path_base + ".cfg", "w") as f:
        f.write(cfg)
    with open(path_base + ".weights", "wb") as f:
        f.write(struct.pack("<iiiq", 0, 2, 0, 0))
        f.write(struct.pack(f"<{n_out}f", *bias))
        f.write(struct.pack(f"<{n_out * 3}f", *([0.0] * (n_out * 3))))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    constant_model(yolov5_output(), os.path.join(out, "tiny-yolov5.onnx"))
    constant_model(yolov8_output(), os.path.join(out, "tiny-yolov8.onnx"))
    constant_model(yolox_output(), os.path.join(out, "tiny-yolox.onnx"))
    darknet(os.path.join(out, "tiny-yolo"))


if __name__ == "__main__":
    main()
