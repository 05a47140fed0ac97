/**
 * Sizes of C types on LP64 Linux (x86-64, aarch64), typedefs and struct
 * layouts found in the file.
 *
 * Invariant: a size is returned only when it is known; anything that depends
 * on an unknown typedef, an incomplete struct or a non-constant array length
 * is `undefined`, and rules treat `undefined` as "cannot tell".
 */
import type { TypeRef } from './ir';

const PRIMITIVE_SIZES: Record<string, number> = {
  char: 1, 'signed char': 1, 'unsigned char': 1, _Bool: 1, bool: 1,
  short: 2, 'short int': 2, 'unsigned short': 2, 'unsigned short int': 2, 'signed short': 2,
  int: 4, signed: 4, unsigned: 4, 'unsigned int': 4, 'signed int': 4,
  long: 8, 'long int': 8, 'unsigned long': 8, 'unsigned long int': 8, 'signed long': 8,
  'long long': 8, 'long long int': 8, 'unsigned long long': 8, 'unsigned long long int': 8,
  float: 4, double: 8, 'long double': 16,
  int8_t: 1, uint8_t: 1, int16_t: 2, uint16_t: 2, int32_t: 4, uint32_t: 4, int64_t: 8, uint64_t: 8,
  size_t: 8, ssize_t: 8, off_t: 8, off64_t: 8, ptrdiff_t: 8, intptr_t: 8, uintptr_t: 8, loff_t: 8,
  pid_t: 4, uid_t: 4, gid_t: 4, mode_t: 4, socklen_t: 4, time_t: 8, u8: 1, u16: 2, u32: 4, u64: 8,
  s8: 1, s16: 2, s32: 4, s64: 8, __u8: 1, __u16: 2, __u32: 4, __u64: 8, dma_addr_t: 8, wchar_t: 4,
  pthread_t: 8, 'struct iovec': 16, 'struct aiocb': 168, 'struct timespec': 16, 'struct timeval': 16,
};

export const POINTER_SIZE = 8;

export interface StructField {
  name: string;
  type: TypeRef;
}

export interface StructInfo {
  name: string;
  fields: StructField[];
  isUnion: boolean;
  /**
   * True when a member is a bit-field: the layout computed here counts each
   * bit-field as a whole member, so `sizeOf` over-estimates such a struct.
   */
  bitFields?: boolean;
}

/** Evaluates an array dimension; supplied by the constant folder. */
export type DimensionEvaluator = (dim: TypeRef['arrayDims'][number]) => number | undefined;

export class TypeTable {
  readonly typedefs = new Map<string, TypeRef>();
  readonly structs = new Map<string, StructInfo>();
  private readonly sizeCache = new Map<string, number | undefined>();
  private evalDim: DimensionEvaluator = () => undefined;

  setDimensionEvaluator(evaluator: DimensionEvaluator): void {
    this.evalDim = evaluator;
  }

  /** Resolves typedef chains to the underlying type. */
  resolve(type: TypeRef): TypeRef {
    let current = type;
    for (let guard = 0; guard < 16; guard++) {
      const target = this.typedefs.get(current.base);
      if (!target) return current;
      current = {
        ...target,
        pointerDepth: target.pointerDepth + current.pointerDepth,
        arrayDims: [...current.arrayDims, ...target.arrayDims],
        qualifiers: [...current.qualifiers, ...target.qualifiers],
        atomic: current.atomic || target.atomic,
        functionPointer: current.functionPointer || target.functionPointer,
      };
    }
    return current;
  }

  /** Size in bytes of a value of `type`, or undefined when unknown. */
  sizeOf(type: TypeRef): number | undefined {
    const t = this.resolve(type);
    let element: number | undefined;
    if (t.pointerDepth > 0 || t.functionPointer) element = POINTER_SIZE;
    else element = this.baseSize(t.base);
    if (element === undefined) return undefined;
    let total = element;
    for (const dim of t.arrayDims) {
      const n = this.evalDim(dim);
      if (n === undefined || n < 0) return undefined;
      total *= n;
    }
    return total;
  }

  /** Size of what a pointer or array of `type` designates per element. */
  elementSize(type: TypeRef): number | undefined {
    const t = this.resolve(type);
    if (t.arrayDims.length > 0) return this.sizeOf({ ...t, arrayDims: t.arrayDims.slice(1) });
    if (t.pointerDepth > 0) {
      if (t.pointerDepth === 1 && t.base === 'void') return 1; // GNU arithmetic on void *
      return this.sizeOf({ ...t, pointerDepth: t.pointerDepth - 1 });
    }
    return undefined;
  }

  field(structName: string, fieldName: string): StructField | undefined {
    return this.structs.get(structName)?.fields.find((f) => f.name === fieldName);
  }

  private baseSize(base: string): number | undefined {
    const primitive = PRIMITIVE_SIZES[base] ?? PRIMITIVE_SIZES[base.replace(/\bconst\b|\bvolatile\b/g, '').trim()];
    if (primitive !== undefined) return primitive;
    if (base.startsWith('enum ')) return 4;
    if (this.sizeCache.has(base)) return this.sizeCache.get(base);
    this.sizeCache.set(base, undefined); // breaks cycles through self-referencing structs
    const info = this.structs.get(base);
    const size = info ? this.layout(info) : undefined;
    this.sizeCache.set(base, size);
    return size;
  }

  private layout(info: StructInfo): number | undefined {
    let offset = 0;
    let maxAlign = 1;
    for (const f of info.fields) {
      const size = this.sizeOf(f.type);
      if (size === undefined) return undefined;
      const align = this.alignOf(f.type) ?? 1;
      maxAlign = Math.max(maxAlign, align);
      if (info.isUnion) offset = Math.max(offset, size);
      else offset = Math.ceil(offset / align) * align + size;
    }
    return Math.ceil(offset / maxAlign) * maxAlign;
  }

  private alignOf(type: TypeRef): number | undefined {
    const t = this.resolve(type);
    if (t.pointerDepth > 0 || t.functionPointer) return POINTER_SIZE;
    const primitive = PRIMITIVE_SIZES[t.base];
    if (primitive !== undefined) return Math.min(primitive, 16);
    const info = this.structs.get(t.base);
    if (!info) return undefined;
    let align = 1;
    for (const f of info.fields) align = Math.max(align, this.alignOf(f.type) ?? 1);
    return align;
  }
}

export function isPointerType(type: TypeRef): boolean {
  return type.arrayDims.length === 0 && (type.pointerDepth > 0 || type.functionPointer);
}

export function isArrayType(type: TypeRef): boolean {
  return type.arrayDims.length > 0;
}

export function typeToString(type: TypeRef): string {
  return `${type.base}${type.pointerDepth > 0 ? ' ' + '*'.repeat(type.pointerDepth) : ''}`;
}
