/**
 * zerocopy/read-write-loop: a loop that reads chunks from one descriptor and
 * writes them, untouched, to another. Every chunk is copied twice by the CPU
 * (kernel to user, user to kernel) and costs 4 user/kernel switches;
 * `sendfile`, `copy_file_range` or `splice` move it inside the kernel.
 *
 * Relays between two known sockets belong to zerocopy/socket-relay; this rule
 * takes every other pair. The fix (a suggestion) inserts a zero-copy loop in
 * front of the original one and keeps the original as the fallback, so end
 * of file, errors and everything after the loop behave exactly as before.
 */
import type { Rule } from '../../engine/rule';
import { alternativeFor, relayNames, type Alternative } from './describe';
import { FD_READERS, relaysOf, type Relay } from './relay';
import { buildZeroCopyFix } from './relayFix';

export const readWriteLoop: Rule = {
  id: 'zerocopy/read-write-loop',
  summary: 'A loop that reads chunks from one descriptor and writes them unchanged to another copies every byte twice through user space; sendfile, copy_file_range or splice move it inside the kernel.',
  defaultSeverity: 'warning',
  fix: 'unsafe',
  scenario: 'read-write→sendfile',
  messages: {
    relay:
      "loop copies each chunk from '{{input}}' to '{{output}}' through '{{buffer}}' ('{{read}}' then '{{write}}'): 2 CPU copies and 4 user/kernel switches per chunk; {{alternative}}",
  },
  scope: 'calls',
  triggers: [...FD_READERS],
  candidates: /\b(?:read|pread|pread64|recv)\s*\([\s\S]*?\b(?:write|pwrite|pwrite64|send)\s*\(/,
  check(ctx) {
    for (const fn of ctx.functions()) {
      for (const relay of relaysOf(fn, 'fd')) {
        // Two known sockets: zerocopy/socket-relay reports it with the splice advice.
        if (relay.inputKind.kind === 'socket' && relay.outputKind.kind === 'socket') continue;
        // A device, eventfd or timerfd cannot be spliced from or to: no zero-copy path exists.
        if (relay.inputKind.kind === 'special' || relay.outputKind.kind === 'special') continue;
        const alternative = alternativeFor(relay, fn);
        const names = relayNames(relay, ctx.text);
        const fix = alternative.fixable ? buildZeroCopyFix(relay, fn, alternative) : undefined;
        ctx.report({
          messageId: 'relay',
          data: { ...names, alternative: alternative.text },
          range: relay.loop.headerRange,
          related: [{ range: relay.write.call.range, message: `the chunk read into '${names.buffer}' is written here unchanged` }],
          functionName: fn.name,
          fixes: fix ? [fix] : [],
          extra: scenarioData(relay, alternative),
        });
      }
    }
  },
};

function scenarioData(relay: Relay, alternative: Alternative): Record<string, string> {
  return {
    scenario: `read-write→${alternative.call.replace(/_/g, '-')}`,
    alternative: alternative.call,
    input: relay.inputKind.kind,
    output: relay.outputKind.kind,
  };
}
