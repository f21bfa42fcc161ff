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
      if (typeof record.expr === "string" && record.expr.trim())
        found.push({ source: `${file} ${path}`, expr: resolveGrafanaVariables(record.expr) });
      if (typeof record.query === "string" && path.includes("templating"))
        found.push({
          source: `${file} ${path}`,
          expr: resolveGrafanaVariables(record.query.replace(/^label_values\((.*?)(,\s*\w+)?\)$/, "$1")),
        });
      for (const [k, v] of Object.entries(record)) visit(v, `${path}.${k}`);
    };
    visit(JSON.parse(readFileSync(dashboards + file, "utf8")), "");
  }
  const rules = parse(readFileSync(`${infra}prometheus/alerts.yml`, "utf8")) as {
    groups: { rules: { alert?: string; record?: string; expr: string }[] }[];
  };
  for (const group of rules.groups)
    for (const rule of group.rules) found.push({ source: `alerts.yml ${rule.alert ?? rule.record}`, expr: String(rule.expr) });
  return found;
}

const PROMQL_WORDS = new Set([
  "sum",
  "avg",
  "min",
  "max",
  "count",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "and",
  "or",
  "unless",
  "bool",
  "offset",
  "rate",
  "irate",
  "increase",
  "delta",
  "idelta",
  "deriv",
  "histogram_quantile",
  "clamp_min",
  "clamp_max",
  "abs",
  "absent",
  "absent_over_time",
  "avg_over_time",
  "max_over_time",
  "min_over_time",
  "sum_over_time",
  "count_over_time",
  "last_over_time",
  "quantile_over_time",
  "topk",
  "bottomk",
  "label_replace",
  "label_join",
  "time",
  "vector",
  "scalar",
  "round",
  "ceil",
  "floor",
  "changes",
  "resets",
  "sort",
  "sort_desc",
  "timestamp",
  "count_values",
  "stddev",
  "stdvar",
  "quantile",
  "group",
  "inf",
  "nan",
  "le",
  "present_over_time",
]);

const GROUPING = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);

/** Index just past the quoted string starting at `i` (PromQL strings: "...", '...' or `...`). */
function skipString(expr: string, i: number): number {
  const quote = expr[i];
  let j = i + 1;
  while (j < expr.length && expr[j] !== quote) j += expr[j] === "\\" ? 2 : 1;
  return j + 1;
}

/** Index just past the `{...}` or `(...)` group starting at `i`, strings inside included. */
function skipGroup(expr: string, i: number): number {
  const close = expr[i] === "{" ? "}" : ")";
  let j = i + 1;
  while (j < expr.length && expr[j] !== close) j = expr[j] === '"' || expr[j] === "'" || expr[j] === "`" ? skipString(expr, j) : j + 1;
  return j + 1;
}

/**
 * Every series selector of an expression, as written: `name` or `name{matchers}`. Functions,
 * keywords, grouping label lists, durations and numbers are skipped. Querying each selector on
 * its own tells whether the series an expression filters for exist at all.
 */
export function selectorsIn(expr: string): string[] {
  const found = new Set<string>();
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === "`") {
      i = skipString(expr, i);
      continue;
    }
    if (c === "[") {
      i = expr.indexOf("]", i) + 1;
      continue;
    }
    if (c === "{") {
      i = skipGroup(expr, i);
      continue;
    }
    const number = /^(?:0x[0-9a-f]+|[0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)[a-z]*/i.exec(expr.slice(i));
    if (/[0-9.]/.test(c) && number) {
      i += number[0].length;
      continue;
    }
    const ident = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(expr.slice(i));
    if (!ident) {
      i++;
      continue;
    }
    const name = ident[0];
    i += name.length;
    let next = i;
    while (expr[next] === " " || expr[next] === "\n" || expr[next] === "\t") next++;
    if (GROUPING.has(name) && expr[next] === "(") {
      i = skipGroup(expr, next);
      continue;
    }
    if (expr[next] === "(" || PROMQL_WORDS.has(name)) continue;
    if (expr[next] === "{") {
      i = skipGroup(expr, next);
      found.add(name + expr.slice(next, i));
    } else found.add(name);
  }
  return [...found];
}

/** The metric names an expression reads. */
export function metricNamesIn(expr: string): string[] {
  return [...new Set(selectorsIn(expr).map((s) => s.split("{")[0]!))];
}
