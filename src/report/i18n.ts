import type { Subject } from '../facts/fact.js';
import { describeSubject } from '../findings/finding.js';

/** The words around the findings in a report for a person, per language; rules bring their own texts. */
export interface ReportWords {
  summary: (s: { critical: number; warning: number; info: number; rules: number; notEvaluated: number }) => string;
  deadline: (seconds: number, pidsNotRead: number) => string;
  noFindings: string;
  chain: string;
  notEvaluated: string;
  notRead: string;
  evidence: string;
  buildsOn: string;
  advice: string;
  references: string;
  readOnly: string;
  changesSystem: string;
  unmarked: string;
  above: string;
  forSubjects: (n: number) => string;
  moreSources: (n: number) => string;
  rule: (id: string, file: string) => string;
  /** Between two parts of one line (subject; rule). */
  separator: string;
  /** Column headers of a summary table: severity, finding, subject. */
  columns: [string, string, string];
  subject: (s: Subject) => string;
}

const EN: ReportWords = {
  summary: (s) => `${s.critical} critical, ${s.warning} warning, ${s.info} info (${s.rules} rules, ${s.notEvaluated} not evaluated)`,
  deadline: (seconds, n) =>
    `The ${seconds} s deadline passed${n > 0 ? `: ${n} processes were not read` : ': some stacks and command lines were not read'}. This report covers what was read; see "Not read" below.`,
  noFindings: 'No findings: no rule fired on this host.',
  chain: 'Diagnosis chain (root causes first; each builds on the ones beneath it)',
  notEvaluated: 'Not evaluated: the host did not tell, so these rules could not run',
  notRead: 'Not read',
  evidence: 'Evidence',
  buildsOn: 'Builds on',
  advice: 'Advice',
  references: 'References',
  readOnly: 'read-only',
  changesSystem: 'changes the system',
  unmarked: 'unmarked',
  above: ' (above)',
  forSubjects: (n) => ` (for ${n} ${n === 1 ? 'subject' : 'subjects'})`,
  moreSources: (n) => `(${n} more sources in --format json)`,
  rule: (id, file) => `rule ${id} (${file})`,
  separator: '; ',
  columns: ['severity', 'finding', 'subject'],
  subject: describeSubject,
};

const ZH_CN: ReportWords = {
  summary: (s) => `${s.critical} 个严重，${s.warning} 个警告，${s.info} 个提示（共 ${s.rules} 条规则，${s.notEvaluated} 条未评估）`,
  deadline: (seconds, n) =>
    `已超过 ${seconds} 秒的时限${n > 0 ? `：${n} 个进程未读取` : '：部分内核栈和命令行未读取'}。本报告只涵盖已读取的内容，见下方“未读取”。`,
  noFindings: '没有发现：本机上没有规则触发。',
  chain: '诊断链（根因在前；每一项都建立在它下面各项的基础上）',
  notEvaluated: '未评估：主机没有提供所需信息，这些规则无法运行',
  notRead: '未读取',
  evidence: '证据',
  buildsOn: '依据',
  advice: '建议',
  references: '参考资料',
  readOnly: '只读',
  changesSystem: '会改变系统',
  unmarked: '未标注',
  above: '（见上）',
  forSubjects: (n) => `（涉及 ${n} 个对象）`,
  moreSources: (n) => `（另有 ${n} 条来源，见 --format json）`,
  rule: (id, file) => `规则 ${id}（${file}）`,
  separator: '；',
  columns: ['严重程度', '发现', '对象'],
  subject: (s) => {
    switch (s.kind) {
      case 'host':
        return '主机';
      case 'process':
        return `进程 ${s.comm} (${s.pid})`;
      case 'zone':
        return `内存区 ${s.zone}（节点 ${s.node}）`;
      case 'command':
        return `命令 ${s.comm}`;
      case 'thread':
        return `线程 ${s.comm}（进程 ${s.pid} 的 ${s.tid}）`;
    }
  },
};

const WORDS: Record<string, ReportWords> = { en: EN, 'zh-CN': ZH_CN };

/** The report's words in `lang`, English for a language procdx itself has no words in. */
export function reportWords(lang: string | undefined): ReportWords {
  return WORDS[lang ?? 'en'] ?? EN;
}
