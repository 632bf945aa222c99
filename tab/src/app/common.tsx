import { Spinner, makeStyles, tokens } from '@fluentui/react-components';
import { createContext, useContext } from 'react';
import type { HostTheme } from '../host/teams-host';

/** The theme in use (for the few things Fluent tokens do not reach, such as chart colours). */
export const ThemeNameContext = createContext<HostTheme>('default');
export const useThemeName = () => useContext(ThemeNameContext);

const useStyles = makeStyles({
  h1: { fontSize: tokens.fontSizeBase600, lineHeight: tokens.lineHeightBase600, fontWeight: tokens.fontWeightSemibold, margin: 0 },
});

export function Loading({ label = 'Loading' }: { label?: string }) {
  return <Spinner label={label} labelPosition="below" />;
}

export function PageHeading() {
  const s = useStyles();
  return <h1 className={s.h1}>Teams Integration</h1>;
}
