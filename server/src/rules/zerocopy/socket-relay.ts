/**
 * zerocopy/socket-relay: a loop that receives from one socket and sends the
 * same bytes, untouched, to another (a proxy). Every chunk crosses user space
 * twice; `splice` through a pipe moves it from socket to socket inside the
 * kernel with no CPU copy.
 *
 * Both ends must be known sockets (`recv`/`send`, or descriptors from
 * `socket`/`accept`, or used with `connect`, `setsockopt`, ...). Relays with
 * another kind of end belong to zerocopy/read-write-loop. No fix: a splice
 * proxy needs a pipe per direction and its own readiness handling.
 */
import type { Rule } from '../../engine/rule';
import { relayNames } from './describe';
import { relaysOf } from './relay';

export const socketRelay: Rule = {
  id: 'zerocopy/socket-relay',
  summary: 'A proxy loop that receives from one socket and sends the same bytes to another copies every byte twice through user space; splice through a pipe moves them inside the kernel.',
  defaultSeverity: 'warning',
  fix: 'none',
  scenario: 'socket-read-write→splice',
  messages: {
    relay:
      "'{{read}}' from socket '{{input}}' and '{{write}}' to socket '{{output}}' copy each chunk through '{{buffer}}': 2 CPU copies and 4 user/kernel switches per chunk; 'splice' through a pipe moves it between the sockets inside the kernel with no CPU copy",
  },
  scope: 'calls',
  triggers: ['read', 'recv'],
  candidates: /\b(?:read|recv)\s*\([\s\S]*?\b(?:write|send)\s*\(/,
  check(ctx) {
    for (const fn of ctx.functions()) {
      for (const relay of relaysOf(fn, 'fd')) {
        // One end is not known to be a socket: zerocopy/read-write-loop covers it.
        if (relay.inputKind.kind !== 'socket' || relay.outputKind.kind !== 'socket') continue;
        // pread/pwrite cannot work on sockets: the kinds disagree with the calls, stay silent.
        if (relay.read.name !== 'read' && relay.read.name !== 'recv') continue;
        if (relay.write.name !== 'write' && relay.write.name !== 'send') continue;
        const names = relayNames(relay, ctx.text);
        ctx.report({
          messageId: 'relay',
          data: names,
          range: relay.read.call.range,
          related: [{ range: relay.write.call.range, message: `the chunk received into '${names.buffer}' is sent on here unchanged` }],
          functionName: fn.name,
          extra: { scenario: 'socket-read-write→splice', alternative: 'splice', input: 'socket', output: 'socket' },
        });
      }
    }
  },
};
