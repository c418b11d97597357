import type { ReactNode } from 'react';
import { fixed } from '../format';

export function ErrorBox({ error }: { error: Error | undefined }) {
  if (!error) return null;
  return <p className="error" role="alert">{error.message}</p>;
}

export function Status({ value }: { value: string }) {
  return <span className={`status status-${value.toLowerCase()}`}>{value}</span>;
}

export function Interval({ estimate, lo, hi, digits = 3 }: { estimate: number; lo: number; hi: number; digits?: number }) {
  return (
    <span className="interval">
      {fixed(estimate, digits)} <small>[{fixed(lo, digits)}, {fixed(hi, digits)}]</small>
    </span>
  );
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section>
      <header className="section-header">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

export const link = (...parts: string[]) => `#/${parts.map(encodeURIComponent).join('/')}`;
