/** A labelled number input that lets the person type freely and commits only valid numbers. */
import { useEffect, useId, useState, type ReactNode } from 'react';

interface NumberFieldProps {
  label: string;
  value: number;
  min: number;
  max: number;
  step?: number;
  onCommit(value: number): void;
  /** Extra content after the input, e.g. a button. */
  children?: ReactNode;
}

export function NumberField({ label, value, min, max, step = 1, onCommit, children }: NumberFieldProps) {
  const id = useId();
  const [text, setText] = useState(String(value));
  // Follow outside changes (URL hash, "Random" button) without fighting the person's typing.
  useEffect(() => setText((current) => (Number(current) === value ? current : String(value))), [value]);
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
          onChange={(e) => {
            setText(e.target.value);
            const n = e.target.valueAsNumber;
            if (Number.isFinite(n) && n >= min && n <= max) onCommit(n);
          }}
          onBlur={() => setText(String(value))}
        />
        {children}
      </div>
    </div>
  );
}
