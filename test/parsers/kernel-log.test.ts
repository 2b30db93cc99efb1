import { parseKernelLog, type KernelLogRecord } from '../../src/parsers/kernel-log.js';
import { table } from './table.js';

// Lines as /dev/kmsg gives them and as dmesg prints them in its formats, from kernels of several
// eras. A log is free text: no input is an error.

const rec = (line: number, time: number | null, facility: number | null, text: string): KernelLogRecord => ({ line, time, facility, text });

table<KernelLogRecord[]>('parseKernelLog', [
  {
    name: 'doc sample: a /dev/kmsg record, its dictionary, and the same message from dmesg',
    input: '6,1234,5678901234,-;INFO: task java:16653 blocked for more than 120 seconds.\n SUBSYSTEM=pci\n[ 5678.901234] INFO: task java:16653 blocked for more than 120 seconds.\n',
    want: [
      rec(1, 5678.901234, 0, 'INFO: task java:16653 blocked for more than 120 seconds.'),
      rec(3, 5678.901234, null, 'INFO: task java:16653 blocked for more than 120 seconds.'),
    ],
  },
  { name: 'empty', input: '', want: [] },
  { name: 'blank lines are skipped, their numbers counted', input: '\n\nhello\n', want: [rec(3, null, null, 'hello')] },
  {
    name: '/dev/kmsg: priority gives the facility (12 = user, level 4); caller field after the flags',
    input: '12,346,9794679199,-;procdx-test\n4,347,9794680000,-,caller=T123;nfs: server fs1 not responding, still trying\n',
    want: [rec(1, 9794.679199, 1, 'procdx-test'), rec(2, 9794.68, 0, 'nfs: server fs1 not responding, still trying')],
  },
  {
    name: '/dev/kmsg: a 6.x trace line keeps its leading space; escapes are decoded (backslash, UTF-8 bytes)',
    input: '6,1206,8475123465,-; __schedule+0x3dc/0xf60\n6,1235,9600000000,-;path C:\\x5cdata caf\\xc3\\xa9\n',
    want: [rec(1, 8475.123465, 0, ' __schedule+0x3dc/0xf60'), rec(2, 9600, 0, 'path C:\\data café')],
  },
  {
    name: '/dev/kmsg: the lines starting with a space after a record are its dictionary, not messages',
    input: '6,1,2,-;usb 1-1: new device\n SUBSYSTEM=usb\n DEVICE=c189:1\n ffff8801f3b4bd68 0000000000000086\n',
    want: [rec(1, 0.000002, 0, 'usb 1-1: new device')],
  },
  {
    name: 'dmesg (6.x): time stamp, trace markers and frames with their leading space',
    input: '[ 8475.123463] Call Trace:\n[ 8475.123464]  <TASK>\n[ 8475.123465]  __schedule+0x3dc/0xf60\n[ 8475.123466]  ? update_load_avg+0x7e/0x7a0\n',
    want: [
      rec(1, 8475.123463, null, 'Call Trace:'),
      rec(2, 8475.123464, null, ' <TASK>'),
      rec(3, 8475.123465, null, ' __schedule+0x3dc/0xf60'),
      rec(4, 8475.123466, null, ' ? update_load_avg+0x7e/0x7a0'),
    ],
  },
  {
    name: 'dmesg on 2.6.32 (RHEL 6, printk.time off): no time, frames indented by a space',
    input: 'INFO: task ps:316 blocked for more than 120 seconds.\n [<ffffffff814ee1f5>] rwsem_down_failed_common+0x95/0x1d0\n',
    want: [rec(1, null, null, 'INFO: task ps:316 blocked for more than 120 seconds.'), rec(2, null, null, ' [<ffffffff814ee1f5>] rwsem_down_failed_common+0x95/0x1d0')],
  },
  {
    name: 'dmesg -r: raw priority, then the time',
    input: '<3>[  363.104436] INFO: task cat:1234 blocked for more than 120 seconds.\n<14>[  400.000001] written by user space\n',
    want: [rec(1, 363.104436, 0, 'INFO: task cat:1234 blocked for more than 120 seconds.'), rec(2, 400.000001, 1, 'written by user space')],
  },
  {
    name: 'dmesg -x: decoded facility and level',
    input: 'kern  :err   : [ 2345.100000] Out of memory: Kill process 1234 (java) score 900 or sacrifice child\nuser  :warn  : [ 2346.000000] hello\n',
    want: [rec(1, 2345.1, 0, 'Out of memory: Kill process 1234 (java) score 900 or sacrifice child'), rec(2, 2346, 1, 'hello')],
  },
  {
    name: 'dmesg -T: wall-clock times, as seconds since the epoch',
    input: '[Tue Nov 26 10:53:03 2024] INFO: task java:16653 blocked for more than 120 seconds.\n[Tue Nov 26 10:55:03 2024] next\n',
    want: [rec(1, 1732618383, null, 'INFO: task java:16653 blocked for more than 120 seconds.'), rec(2, 1732618503, null, 'next')],
  },
  {
    name: 'CONFIG_PRINTK_CALLER: the caller id after the time is not part of the message',
    input: '[  242.824739][ T1645] INFO: task systemd-udevd:2296 blocked for more than 120 seconds.\n[  242.9][  C3] irq\n',
    want: [rec(1, 242.824739, null, 'INFO: task systemd-udevd:2296 blocked for more than 120 seconds.'), rec(2, 242.9, null, 'irq')],
  },
  {
    name: 'syslog and journalctl -k: the prefix goes, no time is kept (no year)',
    input: 'Nov 26 10:53:03 host17 kernel: INFO: task ps:316 blocked for more than 120 seconds.\nNov 26 10:53:03 host17 kernel: [ 5678.901234] Killed process 1 (x)\n',
    want: [rec(1, null, null, 'INFO: task ps:316 blocked for more than 120 seconds.'), rec(2, 5678.901234, null, 'Killed process 1 (x)')],
  },
  {
    name: 'an OOM task dump row is not a time stamp',
    input: '[  316]     0   316     2345      123   3       0             0 ps\n',
    want: [rec(1, null, null, '[  316]     0   316     2345      123   3       0             0 ps')],
  },
  {
    name: 'a record without a newline at the end of the text; trailing spaces go',
    input: '[    1.000000] first  \n6,9,1000000,-;last   ',
    want: [rec(1, 1, null, 'first'), rec(2, 1, 0, 'last')],
  },
], parseKernelLog);
