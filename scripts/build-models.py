#!/usr/bin/env python3
"""Rebuilds three of face-api's nets as ONNX graphs (opset 17) from the weights that ship inside the
installed npm package @vladmandic/face-api@1.7.15 (its `model/` folder), so they run on
onnxruntime instead of tfjs, and puts the committed YuNet behind input nodes that take a frame's
RGB bytes. Nothing is downloaded.

  recognition.onnx  face_recognition_model: the 128-d descriptor net (face-api's port of dlib's
                    dlib_face_recognition_resnet_model_v1, CC0).
                    input  `input`      float32 [N,150,150,3]  RGB 0..255, NHWC (the 150x150 chip)
                    output `descriptor` float32 [N,128]        not L2-normalised (as face-api)
  landmark68.onnx   face_landmark_68_model: FaceLandmark68Net, 68 points.
                    input  `input`      float32 [N,112,112,3]  RGB 0..255, NHWC: exactly the tensor
                                        face-api feeds the net after its own padToSquare/resize
                    output `landmarks`  float32 [N,136]        x0,y0,x1,y1,... relative to the 112
                                        input (0..1): the net's raw output (FaceProcessor.runNet),
                                        before face-api maps the points back onto the face box
  ssd.onnx          ssd_mobilenetv1_model: SsdMobilenetv1, the SSD MobileNet v1 face detector.
                    input  `input`      float32 [N,512,512,3]  RGB 0..255, NHWC: exactly the tensor
                                        face-api's forwardInput makes (NetInput.toBatchTensor(512,
                                        false): zeros appended bottom/right to a square, then
                                        resizeBilinear to 512, no align-corners, no half-pixel centres)
                    output `boxes`      float32 [N,5118,4]     ymin,xmin,ymax,xmax relative to the
                                        512 square (0..1, not clipped), decoded against face-api's
                                        prior boxes
                    output `scores`     float32 [N,5118]       sigmoid of the face class logit
                                        (what forwardInput returns; face-api's NMS, clipping and
                                        mapping back onto the image (locateFaces) stay outside)

  yunet_rgb.onnx    YuNet (models/yunet/yunet_s_dynamic.onnx, committed: OpenCV Zoo, checked here against
                    its sha256) behind a few input nodes, so onnxruntime writes its input instead of
                    JavaScript: input `rgb` uint8 [1,H,W,3] (a frame's rgb24 bytes as they are) is cast to
                    float, made planar BGR and padded with zeros at the bottom/right to multiples of 32,
                    exactly the tensor YuNet was fed before; its twelve outputs are untouched.

The first two graphs subtract face-api's mean RGB (122.782, 117.001, 104.298) and divide by 255
themselves; the SSD graph divides by 127.5 and subtracts 1 (forwardInput's own normalisation).
What the graphs do, read from the package's src/ (faceRecognitionNet/, faceLandmarkNet/,
faceFeatureExtractor/, faceProcessor/, ssdMobilenetv1/, common/):
  * weights: the manifest lists each tensor in file order; uint8-quantised ones dequantise as
    q * scale + min (computed in double, stored as float32, as tfjs' io.decodeWeights does);
  * recognition: every conv is conv + bias, then a per-channel scale layer (x * w + b), folded here
    into one conv (W * w, bias * w + b); tf 'same' padding (stride 1, 3x3) is a pad of 1; the
    residual-down blocks use a stride-2 'valid' conv and an average-pool (2x2, stride 2) shortcut,
    zero channels appended to the shortcut where the block doubles them, and a zero row/column
    appended to the conv branch where the pooled shortcut is one larger (8x8 -> 3x3 vs 4x4, 4x4 ->
    1x1 vs 2x2); global mean pool, then a 256 -> 128 matrix product (no bias);
  * landmarks: four dense blocks (first conv plain 3x3 stride 2, the rest depthwise-separable convs
    with one bias after the pointwise conv), tf 'same' padding at stride 2 puts the odd pixel at the
    end (pads 0 before, 1 after); the sums keep face-api's order (out1 + (out2 + (out3 + out4)));
    7x7 average pool (stride 2, valid) on the 7x7 map, flatten, fully connected 256 -> 136 + bias;
  * ssd: MobileNet v1 (3x3 conv stride 2, then 13 depthwise 3x3 + pointwise 1x1 pairs, stride 2 at
    pairs 2, 4, 6, 12), every conv followed by clip 0..6; the depthwise convs' batch norm (epsilon
    0.001) folded into filter and bias; each "pointwise" layer is conv + offset (3x3 filters where
    stride 2); tf 'same' padding as above; 8 more such layers; six box predictors (1x1 conv + bias
    on pair 11's 32x32 map with 3 anchors, on the 16x16 output and the 8, 4, 2, 1 maps with 6)
    reshaped NHWC to [N, anchors, 4] / [N, anchors, 3] and concatenated (5118 anchors); boxes
    decoded op for op as outputLayer.ts does (centres + e/10 * sizes, half sizes exp(e/5) * sizes / 2,
    the priors' sizes and centres precomputed in float32), score = sigmoid(logit of class 1). The
    manifest's int32 and scalar leftovers of the TF graph, which face-api does not use, are
    checked against the graph (anchor counts, 5118, 1/127.5, ...).

Deterministic: no timestamps, fixed producer name/version, IR version 8, node names from the layer
names, protobuf serialised with deterministic=True; two runs give byte-identical files. Each
output's sha256 is printed.

  .venv/bin/python scripts/build-models.py [--package-dir node_modules/@vladmandic/face-api] [--out models/faceapi]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

EXPECTED_VERSION = '1.7.15'
OPSET = 17
IR_VERSION = 8  # the IR version that goes with opset 17; fixed so a newer `onnx` writes the same bytes
PRODUCER = 'influencer-selection/scripts/build-models.py'
PRODUCER_VERSION = '1'
MEAN_RGB = (122.782, 117.001, 104.298)
ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------------------------------------
# weights


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def load_weights(model_dir: Path, name: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Reads `<name>-weights_manifest.json` and its .bin files; returns name -> float32 array (int32
    for the manifest's int32 entries; the manifest's shape, tfjs layout: conv filters HWIO, depthwise
    HWC1, matrices [in, out]) and the sha256 of every file read."""
    manifest_path = model_dir / f'{name}-weights_manifest.json'
    manifest = json.loads(manifest_path.read_text())
    hashes = {manifest_path.name: sha256_file(manifest_path)}
    weights: dict[str, np.ndarray] = {}
    for group in manifest:
        buf = b''.join((model_dir / p).read_bytes() for p in group['paths'])
        for p in group['paths']:
            hashes[p] = sha256_file(model_dir / p)
        offset = 0
        for w in group['weights']:
            dtype = w['dtype']
            if dtype not in ('float32', 'int32'):
                raise SystemExit(f'{name}: {w["name"]} has dtype {dtype}, expected float32 or int32')
            shape = [int(d) for d in w['shape']]
            size = int(np.prod(shape)) if shape else 1
            q = w.get('quantization')
            if q is None:
                nbytes = size * 4
                values = np.frombuffer(buf, dtype='<f4' if dtype == 'float32' else '<i4', count=size, offset=offset).copy()
            elif q['dtype'] == 'uint8':
                nbytes = size
                raw = np.frombuffer(buf, dtype=np.uint8, count=size, offset=offset)
                deq = raw.astype(np.float64) * float(q['scale']) + float(q['min'])
                # int32: tfjs rounds with Math.round (halves up), i.e. floor(x + 0.5)
                values = deq.astype(np.float32) if dtype == 'float32' else np.floor(deq + 0.5).astype(np.int32)
            else:
                raise SystemExit(f'{name}: {w["name"]} uses quantisation {q["dtype"]}, not handled')
            offset += nbytes
            if w['name'] in weights:
                raise SystemExit(f'{name}: weight {w["name"]} listed twice')
            weights[w['name']] = values.reshape(shape)
        if offset != len(buf):
            raise SystemExit(f'{name}: manifest covers {offset} bytes, the weight files hold {len(buf)}')
    return weights, hashes


class Weights:
    """Hands out weights by name and checks at the end that every one was used exactly once."""

    def __init__(self, name: str, table: dict[str, np.ndarray]):
        self.name = name
        self.table = table
        self.used: set[str] = set()

    def __call__(self, key: str, shape: tuple[int, ...]) -> np.ndarray:
        if key not in self.table:
            raise SystemExit(f'{self.name}: weight {key} missing from the manifest')
        if key in self.used:
            raise SystemExit(f'{self.name}: weight {key} used twice')
        a = self.table[key]
        if tuple(a.shape) != tuple(shape):
            raise SystemExit(f'{self.name}: weight {key} has shape {list(a.shape)}, expected {list(shape)}')
        self.used.add(key)
        return a

    def check_all_used(self) -> None:
        left = sorted(set(self.table) - self.used)
        if left:
            raise SystemExit(f'{self.name}: weights not used by the graph: {left}')


# ---------------------------------------------------------------------------------------------------
# graph building


class Graph:
    """A small ONNX graph builder on NCHW tensors that tracks static shapes (batch = 'N')."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.names: set[str] = set()
        self.shapes: dict[str, tuple] = {}

    def _unique(self, name: str) -> str:
        if name in self.names:
            raise RuntimeError(f'duplicate name {name}')
        self.names.add(name)
        return name

    def const(self, name: str, value: np.ndarray) -> str:
        name = self._unique(name)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def scalar(self, name: str, value: float | int, dtype: type = np.float32) -> str:
        """A rank-0 initializer (`const` would store a 0-d array as shape [1]: np.ascontiguousarray)."""
        name = self._unique(name)
        self.inits.append(numpy_helper.from_array(np.array(value, dtype=dtype), name))
        return name

    def op(self, op_type: str, name: str, inputs: list[str], shape: tuple, **attrs) -> str:
        """Adds one node; its output tensor has the node's name. `shape` is its NCHW shape."""
        out = self._unique(name)
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        self.shapes[out] = shape
        return out

    # --- layers ---

    def conv(self, name: str, x: str, w_oihw: np.ndarray, b: np.ndarray | None, stride: int,
             pads: tuple[int, int, int, int], group: int = 1) -> str:
        n, c, h, wd = self.shapes[x]
        o, i, kh, kw = w_oihw.shape
        if i * group != c:
            raise RuntimeError(f'{name}: {c} channels in, filter wants {i * group}')
        oh = (h + pads[0] + pads[2] - kh) // stride + 1
        ow = (wd + pads[1] + pads[3] - kw) // stride + 1
        inputs = [x, self.const(f'{name}/W', w_oihw.astype(np.float32))]
        if b is not None:
            inputs.append(self.const(f'{name}/B', b.astype(np.float32)))
        attrs = dict(kernel_shape=[kh, kw], strides=[stride, stride], pads=list(pads), dilations=[1, 1])
        if group != 1:
            attrs['group'] = group
        return self.op('Conv', name, inputs, (n, o, oh, ow), **attrs)

    def relu(self, name: str, x: str) -> str:
        return self.op('Relu', name, [x], self.shapes[x])

    def add(self, name: str, a: str, b: str) -> str:
        if self.shapes[a] != self.shapes[b]:
            raise RuntimeError(f'{name}: shapes {self.shapes[a]} and {self.shapes[b]} differ')
        return self.op('Add', name, [a, b], self.shapes[a])

    def pool(self, op_type: str, name: str, x: str, k: int, stride: int) -> str:
        """'valid' pooling (no padding), as tf.maxPool / tf.avgPool with padding 'valid'."""
        n, c, h, w = self.shapes[x]
        return self.op(op_type, name, [x], (n, c, (h - k) // stride + 1, (w - k) // stride + 1),
                       kernel_shape=[k, k], strides=[stride, stride], pads=[0, 0, 0, 0])

    def pad_end(self, name: str, x: str, c: int = 0, h: int = 0, w: int = 0) -> str:
        """Appends zeros at the end of the channel / height / width axes (tf.concat with zeros)."""
        n, c0, h0, w0 = self.shapes[x]
        pads = self.const(f'{name}/pads', np.array([0, 0, 0, 0, 0, c, h, w], dtype=np.int64))
        return self.op('Pad', name, [x, pads], (n, c0 + c, h0 + h, w0 + w), mode='constant')

    def nhwc_input_normalised(self, size: int) -> tuple[onnx.ValueInfoProto, str]:
        """`input` [N,size,size,3] RGB 0..255 NHWC -> NCHW, minus face-api's mean RGB, divided by 255
        (ops.normalize then .div(255), in that order)."""
        vi = helper.make_tensor_value_info('input', TensorProto.FLOAT, ['N', size, size, 3])
        self.names.add('input')
        x = self.op('Transpose', 'input/nchw', ['input'], ('N', 3, size, size), perm=[0, 3, 1, 2])
        mean = self.const('input/mean_rgb', np.array(MEAN_RGB, dtype=np.float32).reshape(1, 3, 1, 1))
        x = self.op('Sub', 'input/sub_mean', [x, mean], self.shapes[x])
        d = self.const('input/255', np.array(255, dtype=np.float32))
        x = self.op('Div', 'input/div_255', [x, d], self.shapes[x])
        return vi, x

    def model(self, name: str, inputs: list, outputs: list, doc: str, meta: dict[str, str]) -> onnx.ModelProto:
        graph = helper.make_graph(self.nodes, name, inputs, outputs, initializer=self.inits)
        model = helper.make_model(
            graph, opset_imports=[helper.make_opsetid('', OPSET)], ir_version=IR_VERSION,
            producer_name=PRODUCER, producer_version=PRODUCER_VERSION, doc_string=doc,
        )
        for k in sorted(meta):
            p = model.metadata_props.add()
            p.key, p.value = k, meta[k]
        onnx.checker.check_model(model, full_check=True)
        return model


def same_pads(size: int, k: int, stride: int) -> tuple[int, int, int, int]:
    """tf's 'same' padding for a square map: total = max((ceil(size/stride)-1)*stride + k - size, 0),
    the smaller half before, the larger after. Returns ONNX pads (top, left, bottom, right)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + k - size, 0)
    before = total // 2
    return (before, before, total - before, total - before)


def hwio_to_oihw(w: np.ndarray) -> np.ndarray:
    return np.transpose(w, (3, 2, 0, 1))


# ---------------------------------------------------------------------------------------------------
# face_recognition_model


def build_recognition(model_dir: Path, meta: dict[str, str]) -> onnx.ModelProto:
    table, hashes = load_weights(model_dir, 'face_recognition_model')
    W = Weights('face_recognition_model', table)
    g = Graph()
    vi_in, x = g.nhwc_input_normalised(150)

    def conv_layer(prefix: str, x: str, cin: int, cout: int, k: int, stride: int, padding: str, relu: bool) -> str:
        # conv(x, f) + bias, then scale layer (* weights + biases): fold both into the conv.
        f = W(f'{prefix}/conv/filters', (k, k, cin, cout)).astype(np.float64)
        b = W(f'{prefix}/conv/bias', (cout,)).astype(np.float64)
        s = W(f'{prefix}/scale/weights', (cout,)).astype(np.float64)
        t = W(f'{prefix}/scale/biases', (cout,)).astype(np.float64)
        wf = (hwio_to_oihw(f) * s[:, None, None, None]).astype(np.float32)
        bf = (b * s + t).astype(np.float32)
        size = g.shapes[x][2]
        pads = same_pads(size, k, stride) if padding == 'same' else (0, 0, 0, 0)
        out = g.conv(f'{prefix}/conv', x, wf, bf, stride, pads)
        return g.relu(f'{prefix}/relu', out) if relu else out

    def residual(prefix: str, x: str, c: int) -> str:
        out = conv_layer(f'{prefix}/conv1', x, c, c, 3, 1, 'same', True)
        out = conv_layer(f'{prefix}/conv2', out, c, c, 3, 1, 'same', False)
        out = g.add(f'{prefix}/add', out, x)
        return g.relu(f'{prefix}/relu', out)

    def residual_down(prefix: str, x: str, cin: int, cout: int) -> str:
        out = conv_layer(f'{prefix}/conv1', x, cin, cout, 3, 2, 'valid', True)
        out = conv_layer(f'{prefix}/conv2', out, cout, cout, 3, 1, 'same', False)
        pooled = g.pool('AveragePool', f'{prefix}/avgpool', x, 2, 2)
        _, pc, ph, pw = g.shapes[pooled]
        _, oc, oh, ow = g.shapes[out]
        if (ph, pw) != (oh, ow):  # face-api: concat a zero row (axis 1) then a zero column (axis 2) to out
            if (ph - oh, pw - ow) != (1, 1):
                raise RuntimeError(f'{prefix}: unexpected shapes {g.shapes[pooled]} vs {g.shapes[out]}')
            out = g.pad_end(f'{prefix}/pad_hw', out, h=1, w=1)
        if pc != oc:  # face-api: concat zeros of the pooled tensor's own shape on the channel axis
            if oc != 2 * pc:
                raise RuntimeError(f'{prefix}: {pc} pooled channels vs {oc}')
            pooled = g.pad_end(f'{prefix}/pad_c', pooled, c=pc)
        out = g.add(f'{prefix}/add', pooled, out)
        return g.relu(f'{prefix}/relu', out)

    x = conv_layer('conv32_down', x, 3, 32, 7, 2, 'valid', True)
    x = g.pool('MaxPool', 'maxpool', x, 3, 2)
    for p in ('conv32_1', 'conv32_2', 'conv32_3'):
        x = residual(p, x, 32)
    x = residual_down('conv64_down', x, 32, 64)
    for p in ('conv64_1', 'conv64_2', 'conv64_3'):
        x = residual(p, x, 64)
    x = residual_down('conv128_down', x, 64, 128)
    for p in ('conv128_1', 'conv128_2'):
        x = residual(p, x, 128)
    x = residual_down('conv256_down', x, 128, 256)
    for p in ('conv256_1', 'conv256_2'):
        x = residual(p, x, 256)
    x = residual_down('conv256_down_out', x, 256, 256)
    n, c, _, _ = g.shapes[x]
    x = g.op('ReduceMean', 'global_mean', [x], (n, c), axes=[2, 3], keepdims=0)
    fc = g.const('fc/W', W('fc', (256, 128)))
    g.op('MatMul', 'descriptor', [x, fc], (n, 128))
    W.check_all_used()

    vi_out = helper.make_tensor_value_info('descriptor', TensorProto.FLOAT, ['N', 128])
    doc = ("face-api's FaceRecognitionNet (face_recognition_model, a port of dlib's "
           'dlib_face_recognition_resnet_model_v1). input: float32 [N,150,150,3] RGB 0..255 NHWC; '
           'output: float32 [N,128] descriptor, not L2-normalised.')
    return g.model('face_recognition_model', [vi_in], [vi_out], doc, {**meta, **{f'sha256:{k}': v for k, v in hashes.items()}})


# ---------------------------------------------------------------------------------------------------
# face_landmark_68_model


def build_landmark68(model_dir: Path, meta: dict[str, str]) -> onnx.ModelProto:
    table, hashes = load_weights(model_dir, 'face_landmark_68_model')
    W = Weights('face_landmark_68_model', table)
    g = Graph()
    vi_in, x = g.nhwc_input_normalised(112)

    def sep_conv(prefix: str, x: str, cin: int, cout: int, stride: int) -> str:
        # tf.separableConv2d(x, depthwise, pointwise, stride, 'same') + bias
        dw = W(f'{prefix}/depthwise_filter', (3, 3, cin, 1))
        pw = W(f'{prefix}/pointwise_filter', (1, 1, cin, cout))
        b = W(f'{prefix}/bias', (cout,))
        size = g.shapes[x][2]
        d = g.conv(f'{prefix}/depthwise', x, np.transpose(dw, (2, 3, 0, 1)), None, stride,
                   same_pads(size, 3, stride), group=cin)
        return g.conv(f'{prefix}/pointwise', d, hwio_to_oihw(pw), b, 1, (0, 0, 0, 0))

    def dense_block4(prefix: str, x: str, cin: int, cout: int, first: bool) -> str:
        size = g.shapes[x][2]
        if first:
            f = W(f'{prefix}/conv0/filters', (3, 3, cin, cout))
            b = W(f'{prefix}/conv0/bias', (cout,))
            c0 = g.conv(f'{prefix}/conv0', x, hwio_to_oihw(f), b, 2, same_pads(size, 3, 2))
        else:
            c0 = sep_conv(f'{prefix}/conv0', x, cin, cout, 2)
        out1 = g.relu(f'{prefix}/out1', c0)
        out2 = sep_conv(f'{prefix}/conv1', out1, cout, cout, 1)
        in3 = g.relu(f'{prefix}/in3', g.add(f'{prefix}/add_1_2', out1, out2))
        out3 = sep_conv(f'{prefix}/conv2', in3, cout, cout, 1)
        s23 = g.add(f'{prefix}/add_2_3', out2, out3)
        in4 = g.relu(f'{prefix}/in4', g.add(f'{prefix}/add_1_23', out1, s23))
        out4 = sep_conv(f'{prefix}/conv3', in4, cout, cout, 1)
        s34 = g.add(f'{prefix}/add_3_4', out3, out4)
        s234 = g.add(f'{prefix}/add_2_34', out2, s34)
        return g.relu(f'{prefix}/out', g.add(f'{prefix}/add_1_234', out1, s234))

    x = dense_block4('dense0', x, 3, 32, True)
    x = dense_block4('dense1', x, 32, 64, False)
    x = dense_block4('dense2', x, 64, 128, False)
    x = dense_block4('dense3', x, 128, 256, False)
    x = g.pool('AveragePool', 'avgpool', x, 7, 2)
    n, c, h, w = g.shapes[x]
    if (h, w) != (1, 1):
        raise RuntimeError(f'feature map after pooling is {h}x{w}, expected 1x1')
    x = g.op('Flatten', 'flatten', [x], (n, c), axis=1)
    fw = g.const('fc/W', W('fc/weights', (256, 136)))
    fb = g.const('fc/B', W('fc/bias', (136,)))
    x = g.op('MatMul', 'fc/matmul', [x, fw], (n, 136))
    g.op('Add', 'landmarks', [x, fb], (n, 136))
    W.check_all_used()

    vi_out = helper.make_tensor_value_info('landmarks', TensorProto.FLOAT, ['N', 136])
    doc = ("face-api's FaceLandmark68Net (face_landmark_68_model). input: float32 [N,112,112,3] RGB "
           '0..255 NHWC (the padded-to-square, resized face box); output: float32 [N,136] '
           'x0,y0,...,x67,y67 relative to the 112x112 input (0..1), the raw net output.')
    return g.model('face_landmark_68_model', [vi_in], [vi_out], doc, {**meta, **{f'sha256:{k}': v for k, v in hashes.items()}})


# ---------------------------------------------------------------------------------------------------
# ssd_mobilenetv1_model

SSD_SIZE = 512
SSD_BN_EPSILON = 0.0010000000474974513  # mobileNetV1.ts: tf.batchNorm's variance epsilon
# Leftovers of the TensorFlow graph that face-api loads but never uses (disposeUnusedWeightTensors);
# checked against the graph built here, so a changed model file cannot slip through.
SSD_UNUSED = {
    'Preprocessor/mul/x': np.float32(0.007843137718737125),  # 1/127.5 (face-api divides by 127.5)
    'Preprocessor/sub/y': np.float32(1),
    'Preprocessor/ResizeImage/size': np.array([SSD_SIZE, SSD_SIZE], dtype=np.int32),
    'Prediction/BoxPredictor_0/stack/3': np.int32(4),       # box code size
    'Prediction/BoxPredictor_0/stack_1/2': np.int32(3),     # classes per anchor (background, face, other)
    'Prediction/BoxPredictor_0/strided_slice/stack': np.array([0], dtype=np.int32),
    'Prediction/BoxPredictor_0/strided_slice/stack_1': np.array([1], dtype=np.int32),
    'Postprocessor/Slice/begin': np.array([0, 0, 1], dtype=np.int32),
    'Postprocessor/Slice/size': np.array([-1, -1, -1], dtype=np.int32),
    'concat_1/axis': np.int32(1),
}


def build_ssd(model_dir: Path, meta: dict[str, str]) -> onnx.ModelProto:
    table, hashes = load_weights(model_dir, 'ssd_mobilenetv1_model')
    W = Weights('ssd_mobilenetv1_model', table)
    g = Graph()
    for key, want in SSD_UNUSED.items():
        got = W(key, np.shape(want))
        if got.dtype != np.asarray(want).dtype or not np.array_equal(got, want):
            raise SystemExit(f'ssd_mobilenetv1_model: {key} is {got.tolist()}, expected {np.asarray(want).tolist()}')

    # SsdMobilenetv1.forwardInput: x = batchTensor / 127.5 - 1
    vi_in = helper.make_tensor_value_info('input', TensorProto.FLOAT, ['N', SSD_SIZE, SSD_SIZE, 3])
    g.names.add('input')
    x = g.op('Transpose', 'input/nchw', ['input'], ('N', 3, SSD_SIZE, SSD_SIZE), perm=[0, 3, 1, 2])
    x = g.op('Div', 'input/div_127.5', [x, g.scalar('input/127.5', 127.5)], g.shapes[x])
    x = g.op('Sub', 'input/sub_1', [x, g.scalar('input/1', 1)], g.shapes[x])
    lo = g.scalar('clip/0', 0)
    hi = g.scalar('clip/6', 6)

    def relu6(name: str, x: str) -> str:  # tf.clipByValue(x, 0, 6)
        return g.op('Clip', name, [x, lo, hi], g.shapes[x])

    def pointwise(prefix: str, x: str, cout: int, stride: int, k: int = 1) -> str:
        # pointwiseConvLayer.ts: conv2d(x, filters, strides, 'same') + batch_norm_offset, clip 0..6
        # (MobilenetV1 Conv2d_0 and the stride-2 Prediction layers have 3x3 filters despite the name)
        cin, size = g.shapes[x][1], g.shapes[x][2]
        f = W(f'{prefix}/weights', (k, k, cin, cout))
        b = W(f'{prefix}/convolution_bn_offset', (cout,))
        out = g.conv(f'{prefix}/conv', x, hwio_to_oihw(f), b, stride, same_pads(size, k, stride))
        return relu6(f'{prefix}/relu6', out)

    def depthwise(prefix: str, x: str, stride: int) -> str:
        # mobileNetV1.ts depthwiseConvLayer: depthwiseConv2d(x, f, strides, 'same'), batchNorm, clip 0..6;
        # the batch norm (x - mean) * gamma / sqrt(var + eps) + beta is folded into the filter and a bias
        c, size = g.shapes[x][1], g.shapes[x][2]
        f = W(f'{prefix}/depthwise_weights', (3, 3, c, 1)).astype(np.float64)
        gamma = W(f'{prefix}/BatchNorm/gamma', (c,)).astype(np.float64)
        beta = W(f'{prefix}/BatchNorm/beta', (c,)).astype(np.float64)
        mean = W(f'{prefix}/BatchNorm/moving_mean', (c,)).astype(np.float64)
        var = W(f'{prefix}/BatchNorm/moving_variance', (c,)).astype(np.float64)
        s = gamma / np.sqrt(var + SSD_BN_EPSILON)
        wf = (np.transpose(f, (2, 3, 0, 1)) * s[:, None, None, None]).astype(np.float32)
        bf = (beta - mean * s).astype(np.float32)
        out = g.conv(f'{prefix}/conv', x, wf, bf, stride, same_pads(size, 3, stride), group=c)
        return relu6(f'{prefix}/relu6', out)

    # mobileNetV1.ts
    x = pointwise('MobilenetV1/Conv2d_0_pointwise', x, 32, 2, 3)
    channels = (64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024)
    conv11 = None
    for i, cout in enumerate(channels, start=1):
        x = depthwise(f'MobilenetV1/Conv2d_{i}_depthwise', x, 2 if i in (2, 4, 6, 12) else 1)
        x = pointwise(f'MobilenetV1/Conv2d_{i}_pointwise', x, cout, 1)
        if i == 11:
            conv11 = x

    # predictionLayer.ts
    convs = [x]
    for i, (cout, stride) in enumerate(((256, 1), (512, 2), (128, 1), (256, 2), (128, 1), (256, 2), (64, 1), (128, 2))):
        convs.append(pointwise(f'Prediction/Conv2d_{i}_pointwise', convs[-1], cout, stride, 3 if stride == 2 else 1))
    features = [conv11, x, convs[2], convs[4], convs[6], convs[8]]

    def predictor(prefix: str, x: str, per_anchor: int, anchors: int) -> str:
        # boxPredictionLayer.ts: convLayer (1x1 'same' conv + bias), reshaped NHWC to [N, h*w*anchors, per_anchor]
        cin = g.shapes[x][1]
        f = W(f'{prefix}/weights', (1, 1, cin, anchors * per_anchor))
        b = W(f'{prefix}/biases', (anchors * per_anchor,))
        out = g.conv(f'{prefix}/conv', x, hwio_to_oihw(f), b, 1, (0, 0, 0, 0))
        n, c, h, w = g.shapes[out]
        out = g.op('Transpose', f'{prefix}/nhwc', [out], (n, h, w, c), perm=[0, 2, 3, 1])
        shape = g.const(f'{prefix}/shape', np.array([0, -1, per_anchor], dtype=np.int64))
        return g.op('Reshape', f'{prefix}/reshape', [out, shape], (n, h * w * anchors, per_anchor))

    box_parts, class_parts = [], []
    for i, feat in enumerate(features):
        anchors = 3 if i == 0 else 6
        box_parts.append(predictor(f'Prediction/BoxPredictor_{i}/BoxEncodingPredictor', feat, 4, anchors))
        class_parts.append(predictor(f'Prediction/BoxPredictor_{i}/ClassPredictor', feat, 3, anchors))
        count = g.shapes[box_parts[-1]][1]  # the manifest's anchor count of this level
        if int(W(f'Prediction/BoxPredictor_{i}/stack_1/1', ())) != count:
            raise SystemExit(f'ssd_mobilenetv1_model: BoxPredictor_{i}/stack_1/1 is '
                             f'{int(table[f"Prediction/BoxPredictor_{i}/stack_1/1"])}, the graph has {count} anchors there')
    total = sum(g.shapes[p][1] for p in box_parts)
    if int(W('Postprocessor/stack/1', ())) != total:
        raise SystemExit(f'ssd_mobilenetv1_model: Postprocessor/stack/1 is {int(table["Postprocessor/stack/1"])}, the graph has {total} anchors')
    enc = g.op('Concat', 'box_encodings', box_parts, ('N', total, 4), axis=1)
    cls = g.op('Concat', 'class_predictions', class_parts, ('N', total, 3), axis=1)

    # outputLayer.ts: decode against the prior boxes (Output/extra_dim, [ymin, xmin, ymax, xmax] relative),
    # op for op as face-api does it in float32:
    #   sizes = [p2 - p0, p3 - p1], centers = [p0 + sizes0 / 2, p1 + sizes1 / 2]
    #   half_k = exp(e_{k+2} / 5) * sizes_k / 2, center_k = e_k / 10 * sizes_k + centers_k   (k = 0: y, 1: x)
    #   box = [center0 - half0, center1 - half1, center0 + half0, center1 + half1]
    prior = W('Output/extra_dim', (1, total, 4))[0]
    sizes = np.stack([prior[:, 2] - prior[:, 0], prior[:, 3] - prior[:, 1]], axis=1)  # float32 arithmetic
    centers = prior[:, 0:2] + sizes / np.float32(2)
    assert sizes.dtype == np.float32 and centers.dtype == np.float32
    sizes_c = g.const('decode/prior_sizes', sizes)
    centers_c = g.const('decode/prior_centers', centers)

    def const_i64(name: str, v: list[int]) -> str:
        return g.const(name, np.array(v, dtype=np.int64))

    axes2 = const_i64('decode/axes', [2])
    yx = g.op('Slice', 'decode/enc_yx', [enc, const_i64('decode/yx_start', [0]), const_i64('decode/yx_end', [2]), axes2], ('N', total, 2))
    hw = g.op('Slice', 'decode/enc_hw', [enc, const_i64('decode/hw_start', [2]), const_i64('decode/hw_end', [4]), axes2], ('N', total, 2))
    t = g.op('Div', 'decode/hw_div_5', [hw, g.scalar('decode/5', 5)], ('N', total, 2))
    t = g.op('Exp', 'decode/hw_exp', [t], ('N', total, 2))
    t = g.op('Mul', 'decode/hw_mul_sizes', [t, sizes_c], ('N', total, 2))
    half = g.op('Div', 'decode/half', [t, g.scalar('decode/2', 2)], ('N', total, 2))
    t = g.op('Div', 'decode/yx_div_10', [yx, g.scalar('decode/10', 10)], ('N', total, 2))
    t = g.op('Mul', 'decode/yx_mul_sizes', [t, sizes_c], ('N', total, 2))
    center = g.op('Add', 'decode/center', [t, centers_c], ('N', total, 2))
    lo_yx = g.op('Sub', 'decode/min_yx', [center, half], ('N', total, 2))
    hi_yx = g.op('Add', 'decode/max_yx', [center, half], ('N', total, 2))
    g.op('Concat', 'boxes', [lo_yx, hi_yx], ('N', total, 4), axis=2)
    # scores = sigmoid(class logit 1) (face-api: sigmoid of classes 1.., then the first of those)
    logit = g.op('Gather', 'scores/logit', [cls, g.scalar('scores/class_1', 1, np.int64)], ('N', total), axis=2)
    g.op('Sigmoid', 'scores', [logit], ('N', total))
    W.check_all_used()

    vi_boxes = helper.make_tensor_value_info('boxes', TensorProto.FLOAT, ['N', total, 4])
    vi_scores = helper.make_tensor_value_info('scores', TensorProto.FLOAT, ['N', total])
    doc = ("face-api's SsdMobilenetv1 face detector (ssd_mobilenetv1_model). input: float32 [N,512,512,3] "
           'RGB 0..255 NHWC (the image padded to a square at the bottom/right with zeros, resized bilinear to '
           f'512x512); outputs: boxes float32 [N,{total},4] ymin,xmin,ymax,xmax relative to the 512x512 input '
           f'(decoded against the prior boxes, not clipped), scores float32 [N,{total}] face probability; '
           'exactly what SsdMobilenetv1.forwardInput returns, before its non-max suppression.')
    return g.model('ssd_mobilenetv1_model', [vi_in], [vi_boxes, vi_scores], doc, {**meta, **{f'sha256:{k}': v for k, v in hashes.items()}})


# ---------------------------------------------------------------------------------------------------

YUNET = ROOT / 'models' / 'yunet' / 'yunet_s_dynamic.onnx'
YUNET_SHA256 = 'daede24002cc8590f457998cc5e6c9e8b82f45f6bd969506a8913cd4ed10a2d3'


def build_yunet_rgb(source: Path) -> onnx.ModelProto:
    """YuNet with its input written by the graph: rgb uint8 [1,H,W,3] -> float, NCHW, BGR, zero-padded at the
    bottom/right to multiples of 32 (Cast, Transpose, a Slice with step -1, Pad by (32 - H) mod 32)."""
    got = sha256_file(source)
    if got != YUNET_SHA256:
        raise SystemExit(f'{source} has sha256 {got}, expected {YUNET_SHA256}: restore it with `git checkout -- models/yunet`')
    model = onnx.load(str(source))
    graph = model.graph
    fed = graph.input[0]
    i64 = lambda name, v: numpy_helper.from_array(np.array(v, dtype=np.int64), f'rgb/{name}')
    inits = [i64('c_start', [2]), i64('c_end', [-4]), i64('c_axis', [1]), i64('c_step', [-1]),
             i64('hw_start', [1]), i64('hw_end', [3]), i64('32', [32]), i64('no_pad', [0, 0, 0, 0, 0, 0])]
    nodes = [
        helper.make_node('Cast', ['rgb'], ['rgb/float'], name='rgb/float', to=TensorProto.FLOAT),
        helper.make_node('Transpose', ['rgb/float'], ['rgb/nchw'], name='rgb/nchw', perm=[0, 3, 1, 2]),
        helper.make_node('Slice', ['rgb/nchw', 'rgb/c_start', 'rgb/c_end', 'rgb/c_axis', 'rgb/c_step'], ['rgb/bgr'], name='rgb/bgr'),
        helper.make_node('Shape', ['rgb'], ['rgb/shape'], name='rgb/shape'),
        helper.make_node('Slice', ['rgb/shape', 'rgb/hw_start', 'rgb/hw_end'], ['rgb/hw'], name='rgb/hw'),
        helper.make_node('Sub', ['rgb/32', 'rgb/hw'], ['rgb/32_minus_hw'], name='rgb/32_minus_hw'),
        helper.make_node('Mod', ['rgb/32_minus_hw', 'rgb/32'], ['rgb/pad_hw'], name='rgb/pad_hw'),
        # pads: begin N, C, H, W = 0; end N, C = 0, H, W = the padding
        helper.make_node('Concat', ['rgb/no_pad', 'rgb/pad_hw'], ['rgb/pads'], name='rgb/pads', axis=0),
        helper.make_node('Pad', ['rgb/bgr', 'rgb/pads'], [fed.name], name='rgb/pad', mode='constant'),
    ]
    graph.input.remove(fed)
    graph.input.insert(0, helper.make_tensor_value_info('rgb', TensorProto.UINT8, [1, 'height', 'width', 3]))
    for node in reversed(nodes):
        graph.node.insert(0, node)
    graph.initializer.extend(inits)
    model.producer_name, model.producer_version = PRODUCER, PRODUCER_VERSION
    del model.metadata_props[:]
    onnx.helper.set_model_props(model, {'source': f'models/yunet/yunet_s_dynamic.onnx (sha256 {YUNET_SHA256})', 'builder': PRODUCER})
    onnx.checker.check_model(model)
    return model


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f'.{path.name}.{os.getpid()}.tmp')
    with open(tmp, 'wb') as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--package-dir', default=str(ROOT / 'node_modules' / '@vladmandic' / 'face-api'),
                    help='the installed @vladmandic/face-api package (default: node_modules/@vladmandic/face-api)')
    ap.add_argument('--out', default=str(ROOT / 'models' / 'faceapi'), help='output folder (default: models/faceapi)')
    args = ap.parse_args()

    pkg_dir = Path(args.package_dir)
    pkg = json.loads((pkg_dir / 'package.json').read_text())
    if pkg.get('name') != '@vladmandic/face-api' or pkg.get('version') != EXPECTED_VERSION:
        raise SystemExit(f'{pkg_dir}: found {pkg.get("name")}@{pkg.get("version")}, expected '
                         f'@vladmandic/face-api@{EXPECTED_VERSION} (check the nets are unchanged, then update EXPECTED_VERSION)')
    model_dir = pkg_dir / 'model'
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    meta = {'source': f'npm @vladmandic/face-api@{EXPECTED_VERSION} model/', 'builder': PRODUCER}

    builds = (('recognition.onnx', lambda: build_recognition(model_dir, meta)), ('landmark68.onnx', lambda: build_landmark68(model_dir, meta)),
              ('ssd.onnx', lambda: build_ssd(model_dir, meta)), ('yunet_rgb.onnx', lambda: build_yunet_rgb(YUNET)))
    for file_name, build in builds:
        model = build()
        data = model.SerializeToString(deterministic=True)
        path = out_dir / file_name
        write_atomic(path, data)
        print(f'{hashlib.sha256(data).hexdigest()}  {path}  ({len(data):,} bytes)')


if __name__ == '__main__':
    sys.exit(main())
