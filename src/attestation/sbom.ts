// The ML-BOM: a CycloneDX 1.6 JSON document from the bundle's snapshot and reference run. The
// bundle is the BOM's subject (metadata.component); its components are every locked and
// installed package (purl, version, hashes), the interpreters, the OS, the GPU driver, CUDA
// toolkit and cuDNN the snapshot recorded, the data files it hashed, and the reference run's
// declared outputs (models as machine-learning-model, the rest as data). The serial number is
// derived from the content and the only time is the bundle's SOURCE_DATE_EPOCH: one bundle, one
// BOM, byte for byte.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.js';
import { compareUtf8 } from '../core/utf8-order.js';
import { stripCredentials } from '../secrets/rules.js';
import type { BundleFacts } from './bundle-facts.js';
import { digestsOf, ecosystemOf, purlOf, type Digest } from './package-ids.js';
import { epochTime } from '../core/time.js';
import { hexOf } from '../core/digest.js';

export const CYCLONEDX_SPEC = '1.6';

export interface CdxHash { alg: string; content: string }
export interface CdxProperty { name: string; value: string }
export interface CdxComponent {
  type: string;
  'bom-ref': string;
  name: string;
  version?: string;
  description?: string;
  purl?: string;
  hashes?: CdxHash[];
  properties?: CdxProperty[];
  data?: Array<{ type: string; name: string }>;
}

export interface CycloneDxBom {
  bomFormat: 'CycloneDX';
  specVersion: typeof CYCLONEDX_SPEC;
  serialNumber: string;
  version: 1;
  metadata: { timestamp: string; tools: { components: CdxComponent[] }; component: CdxComponent; properties: CdxProperty[] };
  components: CdxComponent[];
  dependencies: Array<{ ref: string; dependsOn: string[] }>;
}

const CDX_ALG: Record<string, string> = { md5: 'MD5', sha1: 'SHA-1', sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };
/** Output files that are trained models rather than data, by extension. */
const MODEL_EXTENSIONS = /\.(pkl|pickle|joblib|pt|pth|ckpt|safetensors|onnx|h5|keras|pb|tflite|gguf|ggml|bin|msgpack|mlmodel|pmml|cbm|ubj|model)$/i;

const cdxHashes = (digests: readonly Digest[]): CdxHash[] => digests.filter((d) => CDX_ALG[d.alg]).map((d) => ({ alg: CDX_ALG[d.alg]!, content: d.hex }));
const prop = (name: string, value: string | number | boolean): CdxProperty => ({ name, value: String(value) });

/** Components keyed by bom-ref, merged when two sources name the same package. */
class Components {
  readonly #byRef = new Map<string, CdxComponent>();
  add(c: CdxComponent): void {
    const had = this.#byRef.get(c['bom-ref']);
    if (!had) {
      this.#byRef.set(c['bom-ref'], c);
      return;
    }
    const hashes = [...(had.hashes ?? []), ...(c.hashes ?? [])];
    const properties = [...(had.properties ?? []), ...(c.properties ?? [])];
    const seenH = new Set<string>();
    const seenP = new Set<string>();
    if (hashes.length) had.hashes = hashes.filter((h) => (seenH.has(h.alg + h.content) ? false : (seenH.add(h.alg + h.content), true)));
    if (properties.length) had.properties = properties.filter((p) => (seenP.has(`${p.name}\0${p.value}`) ? false : (seenP.add(`${p.name}\0${p.value}`), true)));
  }
  list(): CdxComponent[] {
    return [...this.#byRef.values()].sort((a, b) => compareUtf8(a['bom-ref'], b['bom-ref']));
  }
}

function packageComponents(facts: BundleFacts, into: Components): void {
  for (const lock of facts.lockfiles) {
    for (const p of lock.packages) {
      const purl = purlOf(ecosystemOf(lock.format, p), p.name, p.version);
      const ref = purl ?? `lock:${lock.path}#${p.name}@${p.version ?? ''}`;
      const c: CdxComponent = { type: 'library', 'bom-ref': ref, name: p.name };
      if (p.version) c.version = p.version;
      if (purl) c.purl = purl;
      const hashes = cdxHashes(digestsOf(p.hashes));
      if (hashes.length) c.hashes = hashes;
      c.properties = [prop('repro:lockfile', lock.path)];
      if (p.source) c.properties.push(prop('repro:source', stripCredentials(p.source)));
      if (p.platform) c.properties.push(prop('repro:platform', p.platform));
      into.add(c);
    }
  }
  const python = facts.snapshot?.identity.python;
  for (const [name, version] of Object.entries(python?.packages ?? {})) {
    const purl = purlOf('pypi', name, version);
    if (!purl) continue;
    into.add({ type: 'library', 'bom-ref': purl, name, version, purl, properties: [prop('repro:installed', 'python')] });
  }
}

function platformComponents(facts: BundleFacts, into: Components): void {
  const id = facts.snapshot?.identity;
  if (!id) return;
  const os: CdxComponent = { type: 'operating-system', 'bom-ref': 'os', name: id.os.distro?.id ?? id.os.platform };
  if (id.os.distro?.versionId) os.version = id.os.distro.versionId;
  if (id.os.distro?.prettyName) os.description = id.os.distro.prettyName;
  os.properties = [prop('repro:platform', id.os.platform), prop('repro:arch', id.os.arch), prop('repro:kernel', id.os.kernel), prop('repro:libc', `${id.os.libc.family} ${id.os.libc.version ?? '?'}`), prop('repro:cpu', id.os.cpu.model)];
  into.add(os);
  if (id.python) {
    into.add({ type: 'platform', 'bom-ref': 'runtime:python', name: 'python', version: id.python.version, properties: [prop('repro:implementation', id.python.implementation)] });
    for (const [name, info] of Object.entries(id.python.frameworks ?? {}).sort(([a], [b]) => compareUtf8(a, b))) {
      if (!info || typeof info.version !== 'string') continue;
      const c: CdxComponent = { type: 'framework', 'bom-ref': `framework:${name}`, name, version: info.version, properties: [] };
      if (info.cuda) c.properties!.push(prop('repro:cuda', String(info.cuda)));
      if (info.cudnn !== undefined && info.cudnn !== null) c.properties!.push(prop('repro:cudnn', String(info.cudnn)));
      if (c.properties!.length === 0) delete c.properties;
      into.add(c);
    }
  }
  if (id.node) into.add({ type: 'platform', 'bom-ref': 'runtime:node', name: 'node', version: id.node.version.replace(/^v/, '') });
  const gpu = id.gpu;
  if (gpu) {
    const driver: CdxComponent = { type: 'device-driver', 'bom-ref': 'gpu:driver', name: `${gpu.vendor}-driver` };
    if (gpu.driver) driver.version = gpu.driver;
    if (gpu.cudaDriver) driver.properties = [prop('repro:cuda-driver-api', gpu.cudaDriver)];
    into.add(driver);
    const toolkit = gpu.toolkit.versionJson ?? gpu.toolkit.nvcc;
    if (toolkit) into.add({ type: 'framework', 'bom-ref': 'gpu:cuda-toolkit', name: 'cuda-toolkit', version: toolkit });
    if (gpu.cudnn) into.add({ type: 'library', 'bom-ref': 'gpu:cudnn', name: 'cudnn', version: gpu.cudnn });
    gpu.devices.forEach((d, i) => {
      const props = [prop('repro:count-index', i)];
      if (d.computeCapability) props.push(prop('repro:compute-capability', d.computeCapability));
      if (d.architecture) props.push(prop('repro:architecture', d.architecture));
      if (d.memoryTotalMiB !== null) props.push(prop('repro:memory-mib', d.memoryTotalMiB));
      into.add({ type: 'device', 'bom-ref': `gpu:device:${i}`, name: d.name, properties: props });
    });
  }
}

function dataComponents(facts: BundleFacts, into: Components): void {
  for (const item of facts.snapshot?.identity.data ?? []) {
    const c: CdxComponent = { type: 'data', 'bom-ref': `data:${item.path}`, name: item.path, data: [{ type: 'dataset', name: item.path }] };
    if (item.type === 'file') {
      c.hashes = [{ alg: 'SHA-256', content: hexOf(item.sha256) }];
      c.properties = [prop('repro:size', item.size)];
    } else {
      c.properties = [prop('repro:tree-digest', item.treeDigest), prop('repro:files', item.files), prop('repro:size', item.size)];
    }
    into.add(c);
  }
  const run = facts.referenceRun;
  for (const o of run?.outputs ?? []) {
    if (o.sha256 === null) continue; // missing or refused in the reference run: nothing to name
    const isModel = MODEL_EXTENSIONS.test(o.path);
    const c: CdxComponent = { type: isModel ? 'machine-learning-model' : 'data', 'bom-ref': `output:${o.path}`, name: o.path };
    const props = [prop('repro:reference-run', run!.runId), prop('repro:entry-point', run!.entry)];
    if (o.files) props.push(prop('repro:tree-digest', o.sha256), prop('repro:files', o.files.length));
    else c.hashes = [{ alg: 'SHA-256', content: hexOf(o.sha256) }];
    if (o.size !== null) props.push(prop('repro:size', o.size));
    c.properties = props;
    if (!isModel) c.data = [{ type: 'dataset', name: o.path }];
    into.add(c);
  }
}

/** A UUID (version 5 layout, RFC 4122 variant) from a sha256 of the BOM's content. */
export function contentUuid(bytes: string | Buffer): string {
  const h = createHash('sha256').update(bytes).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

export function mlBom(facts: BundleFacts): CycloneDxBom {
  const into = new Components();
  packageComponents(facts, into);
  platformComponents(facts, into);
  dataComponents(facts, into);
  const components = into.list();
  const subject: CdxComponent = {
    type: 'application',
    'bom-ref': 'bundle',
    name: facts.head.name,
    version: facts.head.version,
    hashes: [{ alg: 'SHA-256', content: hexOf(facts.report.fileDigest) }],
    properties: [prop('repro:file-name', facts.fileName), prop('repro:content-digest', facts.report.contentDigest), prop('repro:manifest-digest', facts.manifestDigest)],
  };
  const bom: Omit<CycloneDxBom, 'serialNumber'> & { serialNumber?: string } = {
    bomFormat: 'CycloneDX',
    specVersion: CYCLONEDX_SPEC,
    version: 1,
    metadata: {
      timestamp: epochTime(facts.head.sourceDateEpoch),
      tools: { components: [{ type: 'application', 'bom-ref': 'tool:repro', name: 'repro', version: facts.head.tooling.repro }] },
      component: subject,
      properties: facts.snapshot ? [prop('repro:snapshot-digest', facts.snapshot.snapshotDigest)] : [],
    },
    components,
    dependencies: [{ ref: 'bundle', dependsOn: components.map((c) => c['bom-ref']) }],
  };
  bom.serialNumber = `urn:uuid:${contentUuid(canonicalJson(bom))}`;
  return bom as CycloneDxBom;
}

/** The BOM's bytes: canonical JSON. */
export function bomBytes(bom: CycloneDxBom): Buffer {
  return Buffer.from(canonicalJson(bom));
}
