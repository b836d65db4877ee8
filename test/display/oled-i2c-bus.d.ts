// oled-i2c-bus (devDependency: the reference the twin is checked against) ships no types.
declare module 'oled-i2c-bus' {
  interface OledOptions {
    width?: number;
    height?: number;
    address?: number;
  }
  class Oled {
    constructor(bus: unknown, opts: OledOptions);
    buffer: Buffer;
    setCursor(x: number, y: number): void;
    writeString(font: unknown, size: number, text: string, color: number, wrap: boolean, sync?: boolean): void;
    drawPixel(pixels: Array<[number, number, number]> | [number, number, number], sync?: boolean): void;
    fillRect(x: number, y: number, w: number, h: number, color: number, sync?: boolean): void;
    update(): void;
    clearDisplay(sync?: boolean): void;
    dimDisplay(dim: boolean): void;
    invertDisplay(inv: boolean): void;
    turnOffDisplay(): void;
    turnOnDisplay(): void;
  }
  export default Oled;
}
