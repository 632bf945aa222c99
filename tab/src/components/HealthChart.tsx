import { DataVizPalette, VerticalStackedBarChart, getColorFromToken, type VerticalStackedChartProps } from '@fluentui/react-charts';
import { useThemeName } from '../app/common';
import type { Health } from '../api/types';

/**
 * The 30-day bar chart of the Health tab (lazy-loaded: @fluentui/react-charts brings d3 along).
 * The same numbers are in the panel's summary and data table for screen-reader users.
 */
export default function HealthChart({ daily, title }: { daily: Health['daily']; title: string }) {
  const dark = useThemeName() !== 'default';
  const archived = getColorFromToken(DataVizPalette.success, dark);
  const failed = getColorFromToken(DataVizPalette.error, dark);
  const fmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
  const data: VerticalStackedChartProps[] = daily.map((d) => {
    const label = fmt.format(new Date(`${d.day}T12:00:00Z`));
    return {
      xAxisPoint: label,
      chartData: [
        { legend: 'Archived', data: d.archived, color: archived, xAxisCalloutData: label },
        { legend: 'Failed', data: d.failed, color: failed, xAxisCalloutData: label },
      ],
      stackCallOutAccessibilityData: { ariaLabel: `${label}: ${d.archived} archived, ${d.failed} failed` },
    };
  });
  return (
    <VerticalStackedBarChart
      data={data}
      chartTitle={title}
      height={300}
      barWidth="auto"
      maxBarWidth={24}
      yAxisTickCount={5}
      hideLabels
      isCalloutForStack
      legendProps={{ allowFocusOnLegends: true, canSelectMultipleLegends: false }}
    />
  );
}
