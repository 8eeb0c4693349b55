// Lint markers on the canvas (bpmn-js-bpmnlint): the problems come from the server's validation, the same check
// that decides whether a draft may be deployed, so the marker on an element says exactly what the report says.
// Two rules, one per severity; each reports, on the element it names, every problem the server found there.
const problems = { error: {}, warning: {} };

export function setProblems(list) {
  problems.error = {};
  problems.warning = {};
  (list || []).forEach((p) => {
    if (!p.element) { return; }
    const bucket = problems[p.severity === 'warning' ? 'warning' : 'error'];
    (bucket[p.element] = bucket[p.element] || []).push(p.message);
  });
}

function serverRule(severity) {
  return function() {
    return {
      check(node, reporter) {
        const found = node.id && problems[severity][node.id];
        (found || []).forEach((message) => reporter.report(node.id, message));
      },
    };
  };
}

const RULES = { 平台校验错误: serverRule('error'), 平台校验提醒: serverRule('warning') };

export const lintConfig = {
  config: { rules: { 平台校验错误: 'error', 平台校验提醒: 'warn' } },
  resolver: {
    resolveRule(pkg, ruleName) { return pkg === 'bpmnlint' ? RULES[ruleName] : undefined; },
    resolveConfig() { return null; },
  },
};
