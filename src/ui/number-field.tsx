/**
 * A labelled number input that lets the person type freely and commits only valid numbers. What is
 * left in it when it loses focus or Enter is pressed is settled: a number out of range is clamped,
 * anything else unusable is put back, and a line under the field says why (as a link's notice does),
 * so the value shown is always the value a run uses.
 */
import { useEffect, useId, useState, type ReactNode } from 'react';
import { readNumber } from '../state/url-state.ts';

interface NumberFieldProps {
  label: string;
  value: number;
  min: number;
  max: number;
  /** Step of the input; a whole step means whole numbers only. */
  step?: number;
  onCommit(value: number): void;
  /** Extra content after the input, e.g. a button. */
  children?: ReactNode;
}

/** A number input for one setting, with its range and a notice when typed text had to be replaced. */
export function NumberField({ label, value, min, max, step = 1, onCommit, children }: NumberFieldProps) {
  const id = useId();
  const [text, setText] = useState(String(value));
  const [notice, setNotice] = useState<string | null>(null);
  // Follow outside changes (URL hash, "Random" button) without fighting the person's typing.
  useEffect(() => setText((current) => (Number(current) === value ? current : String(value))), [value]);
  const integer = Number.isInteger(step);

  const settle = (typed: string) => {
    if (typed.trim() !== '' && Number(typed) === value) return;
    const result = readNumber(typed, { min, max, integer }, value);
    const settled = result.value ?? value;
    if (settled !== value) onCommit(settled);
    setText(String(settled));
    setNotice(result.problem ? `${label}: ${result.problem}` : null);
  };

  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="field-row">
        <input
          id={id}
          type="number"
          inputMode="numeric"
          min={min}
          max={max}
          step={step}
          value={text}
          aria-describedby={notice ? `${id}-notice` : undefined}
          onChange={(e) => {
            setText(e.target.value);
            const n = e.target.valueAsNumber;
            if (Number.isFinite(n) && n >= min && n <= max && (!integer || Number.isInteger(n))) {
              onCommit(n);
              setNotice(null);
            }
          }}
          onBlur={(e) => settle(e.target.value)}
          // Enter submits the form: settle first, so the run gets the value the field will show.
          onKeyDown={(e) => {
            if (e.key === 'Enter') settle(e.currentTarget.value);
          }}
        />
        {children}
      </div>
      {notice && (
        <p className="hint" id={`${id}-notice`} role="status" data-testid="number-notice">
          {notice}
        </p>
      )}
    </div>
  );
}
