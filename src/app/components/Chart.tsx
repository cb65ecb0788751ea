// A small line chart (uPlot, ~45 kB) for live training metrics: one x series (steps) and named y series.
// The plot is created once per series layout and fed with setData as points arrive.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  color: string;
  values: (number | null)[];
  dash?: number[];
}

function showLatest(u: uPlot): void {
  const n = u.data[0]?.length ?? 0;
  if (n > 0 && u.cursor.idx == null) u.setLegend({ idx: n - 1 }, false);
}

export function Chart({
  title,
  x,
  series,
  testId,
  height = 170,
  yRange,
}: {
  title: string;
  x: number[];
  series: ChartSeries[];
  testId: string;
  height?: number;
  yRange?: [number, number];
}) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const layout = series.map((s) => s.label).join('|');

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(240, el.clientWidth || 320),
      height,
      legend: { show: true },
      // The legend shows the latest values unless the cursor points at a step (uPlot's default is "--").
      hooks: { setCursor: [showLatest], setData: [showLatest] },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false }, y: yRange ? { range: yRange } : {} },
      axes: [
        {
          stroke: '#9aa3c7',
          grid: { stroke: '#262d50' },
          label: 'step',
          incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
        },
        { stroke: '#9aa3c7', grid: { stroke: '#262d50' }, size: 48 },
      ],
      series: [
        { label: 'step' },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          dash: s.dash,
          points: { show: true, size: 4 },
        })),
      ],
    };
    plot.current = new uPlot(opts, [x, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    showLatest(plot.current);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(240, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // The plot is rebuilt only when its series change; data flows in below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [layout, height]);

  useEffect(() => {
    plot.current?.setData([x, ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [x, series]);

  return (
    <figure className="chart" data-testid={testId} data-points={x.length}>
      <figcaption>{title}</figcaption>
      <div ref={host} className="chart-plot" />
    </figure>
  );
}
