/** A labelled range input whose label shows the current value, e.g. "Guidance 7.5". */
import type { ReactNode } from 'react';

interface SliderFieldProps {
  /** Id of the input; the label and its output point at it. */
  id: string;
  /** The accessible name's text, before the value. */
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  onChange(value: number): void;
  /** What a screen reader announces for the value (aria-valuetext); default "<label> <value>". */
  valueText?: string;
  /** Extra content after the slider, e.g. a hint. */
  children?: ReactNode;
}

export function SliderField({ id, label, value, min, max, step, onChange, valueText, children }: SliderFieldProps) {
  return (
    <div className="field">
      <label htmlFor={id}>
        {label} <output htmlFor={id}>{value}</output>
      </label>
      <input
        id={id}
        type="range"
        min={min}
        max={max}
        step={step}
        value={value}
        aria-valuetext={valueText ?? `${label.toLowerCase()} ${value}`}
        onChange={(e) => onChange(e.target.valueAsNumber)}
      />
      {children}
    </div>
  );
}
