import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const infra = fileURLToPath(new URL("../../../infra/", import.meta.url));

export interface SourcedExpr {
  /** Where it was found, for failure messages. */
  source: string;
  expr: string;
}

/** Grafana variables replaced by what they stand for when a dashboard loads. */
function resolveGrafanaVariables(expr: string): string {
  return expr
    .replace(/\$__rate_interval|\$__interval|\$__range|\$\{__rate_interval\}|\$\{__interval\}/g, "1m")
    .replace(/\$\{?(\w+)(?::\w+)?\}?/g, ".*");
}

/** Every PromQL expression of every dashboard panel and alert rule. */
export function promqlInInfra(): SourcedExpr[] {
  const found: SourcedExpr[] = [];
  const dashboards = `${infra}grafana/dashboards/`;
  for (const file of readdirSync(dashboards).filter((f) => f.endsWith(".json"))) {
    const visit = (node: unknown, path: string): void => {
      if (Array.isArray(node)) return node.forEach((v, i) => visit(v, `${path}[${i}]`));
      if (!node || typeof node !== "object") return;
      const record = node as Record<string, unknown>;
      if (typeof record.expr === "string" && record.expr.trim()) found.push({ source: `${file} ${path}`, expr: resolveGrafanaVariables(record.expr) });
      if (typeof record.query === "string" && path.includes("templating")) found.push({ source: `${file} ${path}`, expr: resolveGrafanaVariables(record.query.replace(/^label_values\((.*?)(,\s*\w+)?\)$/, "$1")) });
      for (const [k, v] of Object.entries(record)) visit(v, `${path}.${k}`);
    };
    visit(JSON.parse(readFileSync(dashboards + file, "utf8")), "");
  }
  const rules = parse(readFileSync(`${infra}prometheus/alerts.yml`, "utf8")) as { groups: { rules: { alert?: string; record?: string; expr: string }[] }[] };
  for (const group of rules.groups) for (const rule of group.rules) found.push({ source: `alerts.yml ${rule.alert ?? rule.record}`, expr: String(rule.expr) });
  return found;
}

const PROMQL_WORDS = new Set([
  "sum", "avg", "min", "max", "count", "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset",
  "rate", "irate", "increase", "delta", "idelta", "deriv", "histogram_quantile", "clamp_min", "clamp_max", "abs", "absent", "absent_over_time",
  "avg_over_time", "max_over_time", "min_over_time", "sum_over_time", "count_over_time", "last_over_time", "quantile_over_time", "topk", "bottomk",
  "label_replace", "label_join", "time", "vector", "scalar", "round", "ceil", "floor", "changes", "resets", "sort", "sort_desc", "timestamp",
  "count_values", "stddev", "stdvar", "quantile", "group", "inf", "nan", "le", "present_over_time",
]);

/**
 * The metric names an expression reads. Label names inside {...} and after by/without are
 * skipped; what is left of the identifiers are metric names.
 */
export function metricNamesIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const withoutMatchers = withoutStrings.replace(/\{[^}]*\}/g, "{}");
  const withoutGrouping = withoutMatchers.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
  const withoutDurations = withoutGrouping.replace(/\[[^\]]*\]/g, "[]");
  const names = withoutDurations.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return [...new Set(names.filter((n) => !PROMQL_WORDS.has(n) && !/^\d/.test(n)))];
}
