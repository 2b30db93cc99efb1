import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadRuleBase } from '../../src/diagnose.js';

/**
 * Advice is pasted by tired people on sick hosts. Every built-in command says whether it changes the
 * system, and none of them is one that makes things worse: the tools that hang on an mmap-lock
 * pile-up (they read /proc/PID/cmdline), reads of files that take another process's mmap lock,
 * cache drops and crash-type sysrq keys. A command marked read-only writes nothing.
 */

const { rules } = loadRuleBase([], '/nonexistent-site-rules');
const commands = rules.flatMap((rule) => (rule.advice ?? []).filter((a) => a.command).map((a) => ({ rule: rule.id, command: a.command!, safe: a.safe })));

/** Patterns never allowed in any command, and why. */
const NEVER: [RegExp, string][] = [
  [/(^|[\s;|&(])(ps|pgrep|pidof|pkill|killall|htop|pstree\s+-a)(\s|$)/, 'reads /proc/PID/cmdline and hangs on an mmap-lock pile-up (use /proc/PID/status or stat)'],
  [/\btop\b[^|;]*\s-[a-zA-Z]*c/, 'top -c reads /proc/PID/cmdline'],
  [/\/(cmdline|environ|smaps|smaps_rollup|maps|numa_maps|pagemap)\b/, 'takes the target process\'s mmap lock'],
  [/\/proc\/[^ |;'"]*\/mem\b/, 'reading /proc/PID/mem takes the target process\'s mmap lock'],
  [/drop_caches/, 'dropping caches hides the symptom and stalls the host while it refills'],
  [/sysrq-trigger/, 'only the w, l and m sysrq keys only print (checked below)'],
];

/** What a read-only command may not do. */
const WRITES: [RegExp, string][] = [
  [/(^|[^0-9&])>>?\s*(?!\/dev\/null)[^\s&]/, 'redirects output into a file'],
  [/\b(kill|swapon|swapoff|mkswap|umount|mount|reboot|shutdown|fsfreeze|rm|tee|dd|fallocate|sync)\b/, 'runs a command that changes the system'],
  [/\bsysctl\b[^|;]*(-w|=)/, 'sets a sysctl'],
  [/\bsystemctl\s+(stop|restart|kill|start|reload)\b/, 'changes a service'],
];

describe('advice that is safe to follow', () => {
  it('built-in rules have commands to check', () => {
    assert.ok(commands.length >= 10, `${commands.length} commands`);
  });

  it('every command says whether it changes the system', () => {
    assert.deepEqual(commands.filter((c) => c.safe === undefined).map((c) => `${c.rule}: ${c.command}`), []);
  });

  it('no command hangs on an mmap-lock pile-up or makes the host worse', () => {
    const bad: string[] = [];
    for (const c of commands) {
      // A path given to grep -F as a pattern is text to match in ls output, not a file that is read.
      const text = c.command.replace(/grep -F '[^']*'/g, "grep -F ''");
      for (const [pattern, why] of NEVER) {
        if (!pattern.test(text)) continue;
        if (why.startsWith('only the w, l and m') && /echo [wlm] > \/proc\/sysrq-trigger/.test(text) && !/echo [^wlm] > \/proc\/sysrq-trigger/.test(text)) continue;
        bad.push(`${c.rule}: ${c.command}  <- ${why}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('a command marked read-only (safe: true) writes nothing', () => {
    const bad: string[] = [];
    for (const c of commands.filter((x) => x.safe === true)) {
      for (const [pattern, why] of WRITES) if (pattern.test(c.command)) bad.push(`${c.rule}: ${c.command}  <- ${why}`);
    }
    assert.deepEqual(bad, []);
  });

  it('the checks catch what they are for', () => {
    const never = (cmd: string) => NEVER.some(([p]) => p.test(cmd));
    const writes = (cmd: string) => WRITES.some(([p]) => p.test(cmd));
    assert.ok(never('ps aux | grep java'));
    assert.ok(never('pgrep -f zabbix'));
    assert.ok(never('cat /proc/16653/cmdline'));
    assert.ok(never('echo 3 > /proc/sys/vm/drop_caches'));
    assert.ok(never('top -b -c -n 1'));
    assert.ok(!never('top -b -n 1 | head -15'));
    assert.ok(!never("grep -H VmRSS /proc/[0-9]*/status 2>/dev/null | sort -k2 -n | tail -15"));
    assert.ok(writes('echo 1 > /proc/sys/vm/compact_memory'));
    assert.ok(writes('sysctl -w kernel.hung_task_warnings=-1'));
    assert.ok(writes('kill -9 123'));
    assert.ok(!writes('cat /proc/1/stack 2>/dev/null'));
    assert.ok(!writes('grep procs_blocked /proc/stat >/dev/null && echo yes'));
  });
});
