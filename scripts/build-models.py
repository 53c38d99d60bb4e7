#!/usr/bin/env python3
"""Rebuilds two of face-api's nets as ONNX graphs (opset 17) from the weights that ship inside the
installed npm package @vladmandic/face-api@1.7.15 (its `model/` folder), so they run on
onnxruntime instead of tfjs. Nothing is downloaded.

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

Both graphs subtract face-api's mean RGB (122.782, 117.001, 104.298) and divide by 255 themselves.
What the graphs do, read from the package's src/ (faceRecognitionNet/, faceLandmarkNet/,
faceFeatureExtractor/, faceProcessor/, common/):
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
    7x7 average pool (stride 2, valid) on the 7x7 map, flatten, fully connected 256 -> 136 + bias.

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
    """Reads `<name>-weights_manifest.json` and its .bin files; returns name -> float32 array (the
    manifest's shape, tfjs layout: conv filters HWIO, depthwise HWC1, matrices [in, out]) and the
    sha256 of every file read."""
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
            if w['dtype'] != 'float32':
                raise SystemExit(f'{name}: {w["name"]} has dtype {w["dtype"]}, expected float32')
            shape = [int(d) for d in w['shape']]
            size = int(np.prod(shape)) if shape else 1
            q = w.get('quantization')
            if q is None:
                nbytes = size * 4
                values = np.frombuffer(buf, dtype='<f4', count=size, offset=offset).astype(np.float32)
            elif q['dtype'] == 'uint8':
                nbytes = size
                raw = np.frombuffer(buf, dtype=np.uint8, count=size, offset=offset)
                values = (raw.astype(np.float64) * float(q['scale']) + float(q['min'])).astype(np.float32)
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

    for file_name, build in (('recognition.onnx', build_recognition), ('landmark68.onnx', build_landmark68)):
        model = build(model_dir, meta)
        data = model.SerializeToString(deterministic=True)
        path = out_dir / file_name
        write_atomic(path, data)
        print(f'{hashlib.sha256(data).hexdigest()}  {path}  ({len(data):,} bytes)')


if __name__ == '__main__':
    sys.exit(main())
