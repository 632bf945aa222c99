/** One bench figure, printed as a JSON line. */
export interface Metric {
  name: string;
  value: number | null;
  unit: string;
  /** how many items the figure was measured over, where that matters */
  jobs?: number;
  /** what was measured, where several could be (the database server…) */
  server?: string;
  /** the figure's goal, e.g. "< 250" */
  target?: string;
  /** set instead of a value when a figure could not be measured here */
  skipped?: string;
}

export type Emit = (metric: Metric) => void;

export interface Bench {
  name: string;
  run(emit: Emit): Promise<void>;
}
