import { Spinner, makeStyles, tokens } from '@fluentui/react-components';

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
