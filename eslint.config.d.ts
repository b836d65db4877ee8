// Types of eslint.config.js for the tests that read its direction table (test/lint/layers.test.ts).
export interface DirectionRow {
  readonly imports: '*' | readonly string[];
  readonly node: boolean;
  readonly packages: '*' | readonly string[];
}
export declare const directionTable: Readonly<Record<string, DirectionRow>>;
declare const config: unknown;
export default config;
