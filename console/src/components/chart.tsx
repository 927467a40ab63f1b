import { useEffect, useRef, useState } from 'preact/hooks';
import type { Result, VisualizationSpec } from 'vega-embed';
import type { Chart as ChartShape } from '../operations.ts';
import { ROWS_DATASET } from '../rows.ts';

const prefersDark = () => matchMedia('(prefers-color-scheme: dark)').matches;

/** Vega is most of the console's weight: it loads with the first chart, not with the shell. */
const loadVega = () => Promise.all([import('vega-embed'), import('vega-interpreter'), import('vega')]).then(([embed, interpreter, vega]) => ({ embed: embed.default, expressionInterpreter: interpreter.expressionInterpreter, changeset: vega.changeset }));

/** A view's rows as a table, for a chart saved without a spec. */
function RowsTable({ rows }: { rows: Record<string, unknown>[] }) {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>{columns.map((column) => <th key={column}>{column}</th>)}</tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <tr key={index}>{columns.map((column) => <td key={column}>{typeof row[column] === 'object' ? JSON.stringify(row[column]) : String(row[column] ?? '')}</td>)}</tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * A Vega-Lite view drawn by vega-embed with Vega's expression interpreter, so the page's CSP
 * needs no `unsafe-eval`. New rows replace the dataset in place; a new spec redraws.
 */
export function Chart({ chart, rows, label }: { chart: ChartShape; rows: Record<string, unknown>[]; label: string }) {
  const container = useRef<HTMLDivElement>(null);
  const drawn = useRef<Result | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [dark, setDark] = useState(prefersDark());
  const specText = JSON.stringify(chart.spec);
  // The rows to draw now: the embed that is still loading draws these, not the ones it started with.
  const latestRows = useRef(rows);
  latestRows.current = rows;
  const rowsText = JSON.stringify(rows);

  useEffect(() => {
    const scheme = matchMedia('(prefers-color-scheme: dark)');
    const onChange = () => setDark(scheme.matches);
    scheme.addEventListener('change', onChange);
    return () => scheme.removeEventListener('change', onChange);
  }, []);

  useEffect(() => {
    if (!chart.spec || !container.current) return;
    let cancelled = false;
    // `usermeta.embedOptions` would let a saved spec override these options (actions, ast, loader): dropped.
    const { usermeta: _usermeta, ...drawable } = chart.spec;
    const spec = { ...drawable, datasets: { [ROWS_DATASET]: latestRows.current }, background: 'transparent', autosize: { type: 'fit-x', contains: 'padding' } } as VisualizationSpec;
    const target = container.current;
    loadVega()
      .then(({ embed, expressionInterpreter }) => embed(target, spec, { ast: true, expr: expressionInterpreter, actions: false, renderer: 'svg', ...(dark ? { theme: 'dark' as const } : {}) }))
      .then((result) => {
        if (cancelled) return result.finalize();
        drawn.current = result;
        setProblem(undefined);
        if (latestRows.current !== rows) return replaceRows(result, latestRows.current);
      })
      .catch((error: unknown) => setProblem(error instanceof Error ? error.message : String(error)));
    return () => {
      cancelled = true;
      drawn.current?.finalize();
      drawn.current = undefined;
    };
    // Rows are swapped in by the effect below; only a new spec or theme redraws.
  }, [specText, dark]);

  const replaceRows = (result: Result, next: Record<string, unknown>[]) =>
    loadVega()
      .then(({ changeset }) => result.view.change(ROWS_DATASET, changeset().remove(() => true).insert(next)).resize().runAsync())
      .catch((error: unknown) => setProblem(error instanceof Error ? error.message : String(error)));

  useEffect(() => {
    if (drawn.current) void replaceRows(drawn.current, rows);
    // By content: a re-render with equal rows draws nothing.
  }, [rowsText]);

  if (!chart.spec) return <RowsTable rows={rows} />;
  return (
    <div class="chart" role="img" aria-label={label} data-chart-type={chart.type} data-rows={rows.length}>
      <div ref={container} class="chart-canvas" />
      {problem && <p class="state error">{problem}</p>}
    </div>
  );
}
