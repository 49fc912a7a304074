// A small ECharts wrapper: only the line and bar charts and the components the console's charts
// use are registered, drawn on canvas (no SVG renderer, nothing evaluated: the CSP holds).
import { BarChart, type BarSeriesOption, LineChart, type LineSeriesOption } from 'echarts/charts';
import {
  GridComponent,
  type GridComponentOption,
  LegendComponent,
  type LegendComponentOption,
  TooltipComponent,
  type TooltipComponentOption,
} from 'echarts/components';
import { type ComposeOption, type EChartsType, init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useLayoutEffect, useRef } from 'preact/hooks';

use([LineChart, BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** The options this wrapper can draw: line and bar series with a grid, legend and tooltip. */
export type ChartOption = ComposeOption<
  LineSeriesOption | BarSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption
>;

/**
 * An ECharts chart filling a `.chart` box: made on mount, given `option` whenever it changes
 * (replacing the old one, so removed series go), resized with its box, disposed on unmount.
 * `data-ready="true"` is set on the box once a drawing (and its animation) has finished, so tests
 * and screenshots wait for a complete picture. The chart is a picture to screen readers
 * (`label`); pages show the numbers in a table too.
 *
 * @example <Chart label="Messages per day" option={{ xAxis: {…}, yAxis: {…}, series: [...] }} />
 */
export function Chart(props: { option: ChartOption; label: string; testId?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const c = init(el, undefined, { renderer: 'canvas' });
    c.on('finished', () => {
      el.dataset.ready = 'true';
    });
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  // Layout effects: the chart is drawn in the same commit as the tables beside it, so
  // `data-ready` is never left over from the previous option once new numbers are on screen.
  useLayoutEffect(() => {
    if (box.current) box.current.dataset.ready = 'false';
    chart.current?.setOption(props.option, { notMerge: true });
  }, [props.option]);

  return <div ref={box} class="chart" role="img" aria-label={props.label} data-testid={props.testId} />;
}
