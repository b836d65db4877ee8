// The oled-font-5x7 package ships no types: a column-major 5×7 font as plain data.
declare module 'oled-font-5x7' {
  const font: {
    readonly monospace: boolean;
    readonly width: number;
    readonly height: number;
    readonly fontData: readonly number[];
    readonly lookup: readonly string[];
  };
  export default font;
}
