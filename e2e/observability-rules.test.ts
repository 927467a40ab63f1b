import { readFileSync } from 'node:fs';
import { parser } from '@prometheus-io/lezer-promql';
import { exampleWorkflowDefinition, identities } from '@judgify/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { graphql, signToken } from './client.ts';
import { startPlatform, type Platform } from './platform.ts';

/**
 * The alerting rules and the Grafana dashboard are checked as code: every PromQL expression
 * parses, every rule says how long, how bad and what it means, and every metric they read is one
 * the running services really expose on /metrics.
 */
const root = new URL('..', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

interface AlertRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const ruleFile = parseYaml(read('deploy/prometheus/alerts.yml')) as { groups: Array<{ name: string; rules: AlertRule[] }> };
const rules = ruleFile.groups.flatMap((group) => group.rules);

interface Target {
  expr: string;
}
interface Panel {
  title: string;
  type: string;
  targets?: Target[];
  panels?: Panel[];
}
const dashboard = JSON.parse(read('deploy/grafana/judgify.json')) as {
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query?: string | { query: string } }> };
};
const panelsOf = (panels: Panel[]): Panel[] => panels.flatMap((panel) => [panel, ...panelsOf(panel.panels ?? [])]);
const dashboardQueries = panelsOf(dashboard.panels).flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })));

/** Grafana's variables, replaced by values PromQL accepts, as Grafana itself does before sending a query. */
const withoutGrafanaVariables = (expr: string) =>
  expr.replaceAll(/\$__(rate_interval|interval|range)/g, '5m').replaceAll(/\$\{?(\w+)\}?/g, 'x');

/** Parse errors of a PromQL expression, with where they are; none when it parses. */
function parseErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(`at ${node.from}: ${JSON.stringify(expr.slice(Math.max(0, node.from - 20), node.to + 20))}`);
    },
  });
  return errors;
}

/** The metric names an expression selects: the Identifier of each VectorSelector in its parse tree. */
function metricNames(expr: string): string[] {
  const names = new Set<string>();
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.name !== 'VectorSelector') return;
      const identifier = node.node.getChild('Identifier');
      if (identifier) names.add(expr.slice(identifier.from, identifier.to));
    },
  });
  return [...names];
}

/** Series Prometheus makes itself for each target, not found on any /metrics. */
const SYNTHETIC = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

/** The sample names a /metrics page exposes, from its `# TYPE` lines: a histogram is its _bucket, _sum and _count series. */
function exposedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    else if (type === 'summary') for (const suffix of ['', '_sum', '_count']) names.add(name + suffix);
    else names.add(name!);
  }
  return names;
}

describe('alerting rules (deploy/prometheus/alerts.yml)', () => {
  it('are alerts that each say how long, how bad, which service and what to do', () => {
    expect(rules.length).toBeGreaterThanOrEqual(9);
    for (const rule of rules) {
      expect(rule.alert, JSON.stringify(rule)).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
      expect(rule.labels?.severity, rule.alert).toMatch(/^(critical|warning|info)$/);
      expect(rule.labels?.service, rule.alert).toBeTruthy();
      for (const annotation of ['summary', 'description', 'runbook']) expect(rule.annotations?.[annotation], `${rule.alert} ${annotation}`).toBeTruthy();
    }
    expect(new Set(rules.map((rule) => rule.alert)).size).toBe(rules.length);
  });

  it.each(rules.map((rule) => [rule.alert, rule.expr] as const))('%s parses as PromQL', (_alert, expr) => {
    expect(parseErrors(expr)).toEqual([]);
    expect(metricNames(expr).length).toBeGreaterThan(0);
  });

  it('cover the thresholds the design documents set', () => {
    const exprOf = (alert: string) => rules.find((rule) => rule.alert === alert)!;
    expect(exprOf('JudgifyJudgmentFailureRateHigh')).toMatchObject({ for: '2m', expr: expect.stringContaining('> 0.05') });
    expect(exprOf('JudgifyJudgmentLatencyHigh').expr).toMatch(/histogram_quantile\(0\.95,.*judgment_duration_seconds_bucket.*> 5$/);
    expect(exprOf('JudgifyJudgmentConfidenceLow')).toMatchObject({ for: '10m', expr: expect.stringContaining('< 0.6') });
    expect(exprOf('JudgifyFewShotSamplesLow').expr).toContain('< 5');
    expect(exprOf('JudgifyRuleExtractionFailureRateHigh').expr).toContain('> 0.1');
    expect(exprOf('JudgifyServiceDown')).toMatchObject({ for: '30s', expr: expect.stringMatching(/^up\{job=~"gateway\|workflow\|judgment\|bi\|chat\|learning"\} == 0/) });
    for (const job of ['gateway', 'workflow', 'judgment', 'bi', 'chat', 'learning']) expect(exprOf('JudgifyServiceDown').expr).toContain(`absent(up{job="${job}"})`);
    expect(exprOf('JudgifyGatewayErrorRateHigh').expr).toContain('> 0.05');
    expect(exprOf('JudgifyActionBreakerOpen').expr).toContain('action_target_breaker_state');
    expect(exprOf('JudgifyOutboxBacklogGrowing').expr).toContain('deriv(max by (service) (outbox_backlog)');
    // Still firing once the backlog count reaches its cap, where it stops growing.
    expect(exprOf('JudgifyOutboxBacklogGrowing').expr).toContain('>= 100000');
  });
});

describe('the Grafana dashboard (deploy/grafana/judgify.json)', () => {
  it('has a Prometheus datasource variable and a service variable, and every panel queries through it', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const variables = Object.fromEntries(dashboard.templating.list.map((variable) => [variable.name, variable]));
    expect(variables.datasource).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(variables.service).toMatchObject({ type: 'query' });
    for (const panel of panelsOf(dashboard.panels).filter((candidate) => candidate.type !== 'row')) {
      expect((panel as { datasource?: { uid?: string } }).datasource?.uid, panel.title).toBe('${datasource}');
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    }
    expect(dashboardQueries.length).toBeGreaterThan(30);
  });

  it.each(dashboardQueries.map((query) => [query.panel, query.expr] as const))('"%s" queries valid PromQL: %s', (_panel, expr) => {
    expect(parseErrors(withoutGrafanaVariables(expr))).toEqual([]);
  });
});

/** Where each metric the rules and the dashboard read must be found: a rule naming its service, on that one; others on any. */
function expectedMetrics(): Array<{ metric: string; where?: string; usedBy: string }> {
  const expected: Array<{ metric: string; where?: string; usedBy: string }> = [];
  for (const rule of rules) {
    const service = rule.labels?.service?.includes('{{') ? undefined : rule.labels?.service;
    for (const metric of metricNames(rule.expr)) expected.push({ metric, where: service, usedBy: `alert ${rule.alert}` });
  }
  for (const query of dashboardQueries) {
    for (const metric of metricNames(withoutGrafanaVariables(query.expr))) expected.push({ metric, usedBy: `panel "${query.panel}"` });
  }
  for (const variable of dashboard.templating.list) {
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    const [, metric] = query?.match(/^label_values\((\w+),/) ?? [];
    if (metric) expected.push({ metric, usedBy: `variable ${variable.name}` });
  }
  return expected;
}

describe('every metric the rules and the dashboard read is on /metrics', () => {
  let platform: Platform;
  beforeAll(async () => {
    platform = await startPlatform({ logLevel: 'info' });
  }, 120_000);
  afterAll(() => platform?.stop());

  it('on the processes of a running platform, after some traffic', async () => {
    const url = platform.gateway.url;
    const admin = await signToken(identities.acmeAdmin, platform.jwtSecret);
    const viewer = await signToken(identities.acmeViewer, platform.jwtSecret);
    // Traffic through every subgraph: a workflow, a judgment of it, feedback on that, a refusal and an anonymous call.
    const created = await graphql(url, `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }`, {
      token: admin,
      variables: { input: { name: 'Metrics line', definition: exampleWorkflowDefinition } },
    });
    const workflowId = created.body.data?.createWorkflow.id as string;
    expect(workflowId, JSON.stringify(created.body.errors)).toBeTruthy();
    const judged = await graphql(url, `mutation($w: ID!) { executeJudgment(input: { workflowId: $w, inputData: { temperature: 90, vibration: 60 } }) { id } }`, {
      token: admin,
      variables: { w: workflowId },
    });
    const executionId = judged.body.data?.executeJudgment.id as string;
    expect(executionId, JSON.stringify(judged.body.errors)).toBeTruthy();
    const feedback = await graphql(url, `mutation($e: ID!) { recordFeedback(input: { executionId: $e, verdict: CORRECT }) { id } }`, { token: admin, variables: { e: executionId } });
    expect(feedback.body.errors).toBeUndefined();
    const refused = await graphql(url, `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { id } }`, {
      token: viewer,
      variables: { input: { name: 'Not allowed', definition: exampleWorkflowDefinition } },
    });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await graphql(url, '{ workflows(first: 1) { id } }')).status).toBe(401);

    const processes = [platform.gateway, ...Object.values(platform.subgraphs)];
    const exposed = new Map(await Promise.all(processes.map(async (running) => [running.name, await (await fetch(`${running.url}/metrics`)).text()] as const)));
    const names = new Map([...exposed].map(([name, text]) => [name, exposedNames(text)]));
    const anywhere = new Set([...names.values()].flatMap((set) => [...set]));

    const missing = expectedMetrics()
      .filter(({ metric }) => !SYNTHETIC.has(metric))
      .filter(({ metric, where }) => !(where ? names.get(where)?.has(metric) : anywhere.has(metric)))
      .map(({ metric, where, usedBy }) => `${metric} (${usedBy}) is not on ${where ? `${where}'s` : "any process's"} /metrics`);
    expect(missing).toEqual([]);

    // The seed metrics are there, and counting.
    const sample = (service: string, pattern: RegExp) => exposed.get(service)?.match(pattern)?.[1];
    expect(Number(sample('gateway', /^authentication_attempts_total\{result="success"[^}]*\} (\d+)/m))).toBeGreaterThanOrEqual(4);
    expect(Number(sample('gateway', /^authentication_attempts_total\{result="missing"[^}]*\} (\d+)/m))).toBe(1);
    expect(Number(sample('workflow', /^authorization_failures_total\{[^}]*\} (\d+)/m))).toBe(1);
    expect(Number(sample('judgment', /^database_connections_active\{[^}]*\} (\d+)/m))).toBeGreaterThanOrEqual(0);
    expect(sample('judgment', /^outbox_backlog\{[^}]*\} (\d+)/m)).toBeDefined();
    expect(sample('learning', /^event_consumer_lag\{event_type="judgment.completed",group="learning"[^}]*\} (\d+)/m)).toBeDefined();
    expect(sample('judgment', /^judgment_method_used_total\{method_used="RULE"[^}]*\} (\d+)/m)).toBe('1');
  });
});
