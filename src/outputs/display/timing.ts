// Named delays of the display actor (machines/display), with their defaults; src/config reads
// the defaults from here (the direction table keeps src/config away from machines/).
export interface DisplayTimings {
  /** Show each page this long before the next; 0 = no rotation (the button steps). */
  readonly display_page_period: number;
  /** Re-compose this often so the elapsed time ticks, ms. */
  readonly display_refresh: number;
  /** A draw that takes longer is a stall, ms. */
  readonly display_draw_timeout: number;
  /** First retry after a failed draw, ms; doubles up to display_retry_max. */
  readonly display_retry: number;
  readonly display_retry_max: number;
}

export const defaultDisplayTimings: DisplayTimings = {
  display_page_period: 5000,
  display_refresh: 1000,
  display_draw_timeout: 1000,
  display_retry: 1000,
  display_retry_max: 60000,
};

