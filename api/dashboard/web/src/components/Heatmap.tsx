// A language-pair matrix as a table with coloured cells: readable values, keyboard- and
// screen-reader-friendly. `diverging` centres the colour scale on 0 (for differences).
import { fixed } from '../format';

export interface Matrix {
  queryLanguages: string[];
  candidateLanguages: string[];
  values: Array<Array<number | null>>;
}

function colour(v: number, lo: number, hi: number, diverging: boolean): string {
  if (diverging) {
    const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    const t = v / m;
    return t >= 0 ? `rgba(22, 163, 74, ${0.1 + 0.8 * t})` : `rgba(220, 38, 38, ${0.1 + 0.8 * -t})`;
  }
  const t = hi > lo ? (v - lo) / (hi - lo) : 1;
  return `rgba(37, 99, 235, ${0.08 + 0.8 * t})`;
}

export function Heatmap({ title, matrix, diverging = false, digits = 3 }: { title: string; matrix: Matrix; diverging?: boolean; digits?: number }) {
  const all = matrix.values.flat().filter((v): v is number => v !== null);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  return (
    <figure className="heatmap">
      <figcaption>{title}</figcaption>
      <table>
        <thead>
          <tr>
            <th scope="col">query ↓ candidates →</th>
            {matrix.candidateLanguages.map((c) => (
              <th scope="col" key={c}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.queryLanguages.map((q, i) => (
            <tr key={q}>
              <th scope="row">{q}</th>
              {matrix.candidateLanguages.map((c, j) => {
                const v = matrix.values[i]?.[j] ?? null;
                return (
                  <td key={c} style={v === null ? undefined : { background: colour(v, lo, hi, diverging) }} title={`${q} → ${c}: ${fixed(v, 4)}`}>
                    {fixed(v, digits)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
