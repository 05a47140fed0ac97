/**
 * zerocopy/mmap-write: a file mapped with `mmap` only to be handed to
 * `write`/`send`. The mapping saves the read copy, but the write still copies
 * every byte from user space into the kernel (1 CPU copy, 4 user/kernel
 * switches per chunk, plus a page fault per page); `sendfile` from the file
 * descriptor needs 2 switches and no CPU copy with scatter/gather DMA.
 *
 * Flagged only when the CPU does nothing else with the mapping in the
 * function: if the program also parses or changes the mapped bytes, the
 * mapping is needed anyway. Anonymous mappings and mappings of sockets,
 * pipes and devices are not files `sendfile` can read.
 */
import type { Rule } from '../../engine/rule';
import { assignmentsIn, expressionParents, resultAssignment, within, type Assignment } from '../../model/dataflow';
import { descriptorsOf } from '../../model/descriptors';
import type { FunctionModel } from '../../model/functionModel';
import type { Expr, Stmt } from '../../model/ir';
import { exprKey, regionOf } from '../../model/regions';
import { forEachExprIn, sameExpr, type CallSite } from '../../model/walk';
import { argByRole, textOf } from '../callArgs';
import { short } from './describe';

const MAPPERS = new Set(['mmap', 'mmap64']);
const WRITERS = new Set(['write', 'send', 'pwrite', 'pwrite64']);
/** Calls that manage a mapping without reading its bytes. */
const MAPPING_MANAGEMENT = new Set(['munmap', 'madvise', 'posix_madvise', 'msync', 'mlock', 'munlock', 'mprotect', 'mremap']);

export const mmapWrite: Rule = {
  id: 'zerocopy/mmap-write',
  summary: 'A file mapped with mmap only to be passed to write or send still costs a CPU copy per chunk; sendfile from the file descriptor avoids it.',
  defaultSeverity: 'warning',
  fix: 'none',
  scenario: 'mmap-write→sendfile',
  messages: {
    mappedWrite:
      "'{{write}}' copies the file mapped at '{{map}}' into the kernel: mmap + write still costs 1 CPU copy and 4 user/kernel switches per chunk, plus a page fault per page; {{alternative}}",
  },
  scope: 'function',
  triggers: [...MAPPERS],
  candidates: /\bmmap(?:64)?\s*\([\s\S]*?\b(?:write|send|pwrite|pwrite64)\s*\(/,
  check(ctx) {
    for (const fn of ctx.functions()) {
      const mappers = fn.calls.filter((s) => s.name && MAPPERS.has(s.name));
      if (mappers.length === 0) continue;
      const assignments = assignmentsIn(fn.ir.body);
      for (const mapper of mappers) {
        for (const { write, mapping } of mappedWrites(mapper, assignments, fn)) {
          const fd = mapper.call.args[4]!;
          const outputKind = descriptorsOf(fn).kindOf(write.call.args[0]!).kind;
          // A device (`open("/dev/...")`) takes its data through write(): sendfile cannot target it.
          if (outputKind === 'special') continue;
          const fdText = short(textOf(ctx.text, fd));
          const alternative =
            outputKind === 'file'
              ? `'copy_file_range' from '${fdText}' copies file to file inside the kernel, with no CPU copy where the filesystem can share or offload the blocks`
              : `'sendfile' from '${fdText}' needs 2 switches and no CPU copy with scatter/gather DMA, and no page faults`;
          ctx.report({
            messageId: 'mappedWrite',
            data: { write: write.name ?? 'write', map: short(mapping), alternative },
            range: write.call.range,
            related: [{ range: mapper.call.range, message: `'${fdText}' is mapped here only to be written out` }],
            functionName: fn.name,
            extra: { scenario: outputKind === 'file' ? 'mmap-write→copy-file-range' : 'mmap-write→sendfile', alternative: outputKind === 'file' ? 'copy_file_range' : 'sendfile' },
          });
        }
      }
    }
  },
};

function mappedWrites(mapper: CallSite, assignments: Assignment[], fn: FunctionModel): { write: CallSite; mapping: string }[] {
  const args = mapper.call.args;
  // A call through a macro or with missing arguments: the flags and descriptor cannot be read.
  if (args.length !== 6) return [];
  const flagsText = textOf(fn.file.text, args[3]!);
  // Anonymous memory is not a file: there is nothing for sendfile to read.
  if (/\bMAP_ANON(YMOUS)?\b/.test(flagsText) || fn.fold(args[4]) === -1) return [];
  const kind = descriptorsOf(fn).kindOf(args[4]!).kind;
  // Sockets (packet rings), pipes and devices are not files sendfile can read.
  if (kind === 'socket' || kind === 'pipe' || kind === 'special') return [];
  const result = resultAssignment(mapper.call, assignments);
  // The mapping is not kept in a variable: it cannot be followed.
  if (!result || (result.target.kind !== 'ident' && result.target.kind !== 'field')) return [];
  const key = result.key;
  const aliases = new Set<string>();
  for (const a of assignments) {
    if (a.target.kind !== 'ident' || !a.value || a === result) continue;
    const region = regionOf(a.value, fn);
    if (region && (region.base === key || aliases.has(region.base))) aliases.add(a.key);
  }
  const isMapping = (x: Expr): boolean => (x.kind === 'ident' && aliases.has(x.name)) || ((x.kind === 'ident' || x.kind === 'field') && exprKey(x) === key);

  const writes: CallSite[] = [];
  const allowed: { start: number; end: number }[] = [result.target.range];
  for (const site of fn.calls) {
    if (!site.name) continue;
    if (MAPPING_MANAGEMENT.has(site.name)) {
      allowed.push(site.call.argsRange);
      continue;
    }
    if (!WRITERS.has(site.name) || site.call.range.start < mapper.call.range.end) continue;
    const src = argByRole(site.call, 'src');
    const region = src ? regionOf(src, fn) : undefined;
    if (!src || !region || (region.base !== key && !aliases.has(region.base))) continue;
    // Writing the mapping back to the file it maps is not a transfer between two objects.
    if (sameExpr(site.call.args[0], args[4])) continue;
    writes.push(site);
    allowed.push(src.range);
  }
  if (writes.length === 0) return [];

  const parents = expressionParents(fn.ir.body);
  let cpuUse = false;
  forEachExprIn(fn.ir.body, (x, owner) => {
    if (cpuUse || !isMapping(x) || allowed.some((r) => within(x.range, r))) return;
    if (!pointerOnly(x, parents, aliases, owner)) cpuUse = true;
  });
  // The program reads or changes the mapped bytes itself: the mapping is needed anyway.
  if (cpuUse) return [];
  return writes.map((write) => ({ write, mapping: textOf(fn.file.text, result.target) }));
}

/** A use of the pointer that does not touch the bytes: a test, a comparison, `sizeof`, pointer arithmetic into an alias. */
function pointerOnly(x: Expr, parents: Map<Expr, Expr | undefined>, aliases: Set<string>, owner: Stmt): boolean {
  let child = x;
  for (let parent = parents.get(x); parent; child = parent, parent = parents.get(parent)) {
    switch (parent.kind) {
      case 'sizeof':
        return true;
      case 'cast':
        continue;
      case 'unary':
        return parent.op === '!';
      case 'binary':
        if (parent.op === '+' || parent.op === '-') continue;
        return ['<', '<=', '>', '>=', '==', '!=', '&&', '||'].includes(parent.op);
      case 'cond':
        return child === parent.test;
      case 'assign':
        return parent.left.kind === 'ident' && aliases.has(parent.left.name) && (child !== parent.left || parent.op === '=' || parent.op === '+=');
      case 'update':
        return child.kind === 'ident' && aliases.has(child.name);
      default:
        return false;
    }
  }
  // A statement-level use: an alias's initialiser or a test is fine; a returned mapping escapes.
  return owner.kind !== 'return';
}
