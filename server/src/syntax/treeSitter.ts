/**
 * web-tree-sitter with the tree-sitter-c grammar.
 *
 * Invariants: no I/O here; the adapter hands in the two wasm files' bytes.
 * Parsing never fails: any text gives a tree (with ERROR nodes where needed).
 * Node offsets (`startIndex`) count UTF-16 code units of the JS string.
 */
import { Language, Parser, type ParseState, type Tree } from 'web-tree-sitter';

export type { Tree, Node as SyntaxNode } from 'web-tree-sitter';

export interface SyntaxWasm {
  /**
   * web-tree-sitter's runtime (`web-tree-sitter.wasm`): its bytes, or the
   * module already compiled (by another thread: compiled code is shared).
   */
  runtime: Uint8Array | WebAssembly.Module;
  /** The C grammar (`tree-sitter-c.wasm`): bytes or compiled module. */
  language: Uint8Array | WebAssembly.Module;
}

let runtimeReady: Promise<void> | undefined;
/** The runtime's heap (its wasm memory), made here so that its size can be read. */
let heap: WebAssembly.Memory | undefined;

export interface SyntaxOptions {
  /**
   * The parser's wasm heap at start, in bytes (rounded to whole wasm pages,
   * from the runtime's 32 MiB to 1 GiB). See `parserMemoryFor`. Only the
   * first load in a thread sets it.
   */
  initialMemoryBytes?: number;
  /**
   * The heap's limit in bytes (default and most 2 GiB, the runtime's own);
   * a parse stops when the heap would grow past 70% of it. Only the first
   * load in a thread sets it: tests use a small one to reach it quickly.
   */
  maxMemoryBytes?: number;
}

/**
 * The wasm heap to start with when the largest text to parse has `chars`
 * UTF-16 code units. A heap too small grows in 20% steps while it parses
 * (nine steps for the sqlite amalgamation), and V8 counts the grown memory
 * as external allocation: the amalgamation's parse started seven full
 * garbage collections for "external memory pressure" (seen with
 * --trace-incremental-marking), one with the heap sized. Measured need, in
 * bytes of heap per byte of real C: 15.7 for the 9.5 MB amalgamation
 * (142 MiB), 11.5 to 22 for 1.2 to 5.6 MB of other projects' files joined
 * (librdkafka, libxml2, glibc, the kernel's); files up to 1.4 MB fit in the
 * initial 32 MiB. Hence 24, with room to spare: room the parse does not
 * touch costs address space, not resident memory. Denser text grows the
 * heap from there, as before.
 */
export function parserMemoryFor(chars: number): number {
  return wholeHeap(24 * chars);
}

function wholeHeap(bytes: number): number {
  return Math.min(MAX_INITIAL_MEMORY, Math.max(MIN_INITIAL_MEMORY, Math.ceil(bytes / WASM_PAGE) * WASM_PAGE));
}

const WASM_PAGE = 64 * 1024;
const MIN_INITIAL_MEMORY = 32 * 1024 * 1024;
/** Beyond this, the heap grows as it needs, up to MAX_HEAP. */
const MAX_INITIAL_MEMORY = 1024 * 1024 * 1024;
/** The runtime's own limit (emscripten's, as it makes the memory itself). */
const MAX_HEAP = 2 * 1024 * 1024 * 1024;

/**
 * The largest text parsed, in UTF-16 code units (bytes on disk for a file).
 * C that large is generated data, not code to review, and real C needs up to
 * 22 bytes of parser heap per character (above): 64 MiB of it fits in the
 * 2 GiB heap. Denser text (a byte table needs 52 bytes per character, a long
 * `1,1,1,…` 146) is stopped while it parses (HEAP_PRESSURE_SHARE).
 */
export const MAX_SOURCE_CHARS = 64 * 1024 * 1024;

/**
 * A parse stops once the runtime asks to grow its heap past this share of
 * the limit. The runtime aborts when an allocation fails (and a parse that
 * got through near the limit left the heap corrupted: the tree's deletion
 * failed), so the parse must stop while there is room. Growth requests are
 * the one measure of need: the heap never shrinks, and an earlier text's
 * freed memory is reused without one. A request past the line is granted
 * exactly (watchHeapGrowth), and the parse stops at the next progress
 * callback, a few hundred parser operations later.
 */
const HEAP_PRESSURE_SHARE = 0.7;
/** The heap size past which a growth request stops the parse; set with the heap. */
let pressureLine = Number.POSITIVE_INFINITY;
/** Set when the runtime asks for a heap past pressureLine; cleared as each parse starts. */
let heapPressure = false;

/** The text is too large or too dense for the parser's heap; the parser is left clean for the next text. */
export class ParserMemoryError extends Error {}

/** Why a text of this size is not parsed, or undefined when it is parsed. */
export function tooLargeToParse(size: number): string | undefined {
  if (size <= MAX_SOURCE_CHARS) return undefined;
  return `too large to analyse (${mib(size)}; the limit is ${mib(MAX_SOURCE_CHARS, 0)})`;
}

/** A size for a message: `64.0 MiB` (or `64 MiB` with no decimals). */
function mib(bytes: number, decimals = 1): string {
  return `${(bytes / 2 ** 20).toFixed(decimals)} MiB`;
}

/** Loads the runtime once per process (or worker) and the C grammar. */
export async function loadCSyntax(wasm: SyntaxWasm, options: SyntaxOptions = {}): Promise<CSyntax> {
  const runtime = wasm.runtime;
  if (!heap) {
    const heapLimit = Math.min(MAX_HEAP, Math.ceil((options.maxMemoryBytes ?? MAX_HEAP) / WASM_PAGE) * WASM_PAGE);
    pressureLine = Math.floor(heapLimit * HEAP_PRESSURE_SHARE);
    // Starting above the line would let a parse fill the heap before it asks to grow.
    const initial = Math.min(wholeHeap(options.initialMemoryBytes ?? 0), Math.floor(pressureLine / WASM_PAGE) * WASM_PAGE);
    heap = new WebAssembly.Memory({ initial: initial / WASM_PAGE, maximum: heapLimit / WASM_PAGE });
  }
  runtimeReady ??= (async () => {
    const compiled = runtime instanceof WebAssembly.Module ? runtime : await WebAssembly.compile(runtime as Uint8Array<ArrayBuffer>);
    await Parser.init({
      wasmMemory: heap,
      // Emscripten's hook for a module compiled elsewhere. Instantiated
      // synchronously (cheap: V8 compiles the functions lazily) so that a
      // failure throws inside emscripten's promise and rejects Parser.init;
      // an asynchronous failure here would reject nothing: Parser.init would
      // never settle, and the error would escape as an unhandled rejection
      // (a stack trace and exit code 1 in the CLI).
      instantiateWasm(imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) {
        watchHeapGrowth(imports);
        const instance = new WebAssembly.Instance(compiled, imports);
        receive(instance, compiled);
        return instance.exports;
      },
    } as never);
  })();
  await runtimeReady;
  const language = wasm.language instanceof WebAssembly.Module ? Language.loadSync(wasm.language) : await Language.load(wasm.language);
  return new CSyntax(language, heap);
}

/** Sees the runtime's requests to grow its heap (emscripten's `emscripten_resize_heap` import). */
function watchHeapGrowth(imports: WebAssembly.Imports): void {
  const env = imports.env as Record<string, unknown> | undefined;
  const resize = env?.emscripten_resize_heap;
  if (typeof resize !== 'function') return;
  env!.emscripten_resize_heap = (requested: number): unknown => {
    if (requested >>> 0 <= pressureLine || !heap) return resize(requested);
    heapPressure = true;
    // Past the line, grow by what is asked and no more, so that text after text cannot walk the heap to its
    // limit in 20% steps: growing one page first detaches the runtime's view of the heap, whose length it
    // takes as the old size to add 20% to (a detached view's length is 0).
    try {
      heap.grow(1);
    } catch {
      return false;
    }
    return resize(requested);
  };
}

/**
 * A long parse runs as slices of this much progress (tree-sitter's offset,
 * two per UTF-16 code unit), each resumed by a new call into the parser.
 * Wasm has no on-stack replacement: one long call keeps running the baseline
 * code it started with, while V8 optimizes the parser's main loop in the
 * background within the first slice; every later call runs the optimized
 * code. The cold first parse of the 9.5 MB sqlite amalgamation took 1.27–1.35 s
 * in slices (any size from 128 KiB to 2 MiB) against 1.45 s in one call, and
 * 1.36–1.38 s with the whole runtime compiled optimized up front, which cost
 * 0.3 s of CPU more.
 */
const PARSE_SLICE = 1 << 20;

export class CSyntax {
  private readonly parser: Parser;

  constructor(
    readonly language: Language,
    private readonly heap: WebAssembly.Memory,
  ) {
    this.parser = new Parser();
    this.parser.setLanguage(language);
  }

  /** The parser's wasm heap now, in bytes (it grows, never shrinks). */
  heapBytes(): number {
    return this.heap.buffer.byteLength;
  }

  /** Parses `text`; with `oldTree` (already `edit`ed) the parse is incremental. */
  parse(text: string, oldTree?: Tree | null): Tree {
    // The adapters skip such texts before reading them; this keeps any other caller from a runtime abort.
    const tooLarge = tooLargeToParse(text.length);
    if (tooLarge) throw new ParserMemoryError(tooLarge);
    // A text this short cannot fill the heap's last 30% (146 bytes per character at worst: 73 MiB).
    if (text.length * 2 <= PARSE_SLICE) return this.parser.parse(text, oldTree ?? null) ?? noTree();
    let cut = PARSE_SLICE;
    let cancelled = false;
    heapPressure = false;
    const options = {
      progressCallback: (state: ParseState): boolean => {
        if (heapPressure) return true;
        if (state.currentOffset < cut) return false;
        cut = state.currentOffset + PARSE_SLICE;
        cancelled = true;
        return true;
      },
    };
    let done = false;
    try {
      for (;;) {
        cancelled = false;
        // A cancelled parse resumes where it stopped when called again with the same input.
        const tree = this.parser.parse(text, oldTree ?? null, options);
        if (tree) {
          done = true;
          return tree;
        }
        if (heapPressure) {
          const line = pressureLine >= 2 ** 30 ? `${(pressureLine / 2 ** 30).toFixed(1)} GiB` : mib(pressureLine, 0);
          throw new ParserMemoryError(`too large or too dense to parse (its ${mib(text.length)} needed more than ${line} of parser memory)`);
        }
        if (!cancelled) noTree();
      }
    } finally {
      // Never leave a half-done parse for the next text to resume.
      if (!done) this.parser.reset();
    }
  }
}

function noTree(): never {
  throw new Error('tree-sitter returned no tree');
}
