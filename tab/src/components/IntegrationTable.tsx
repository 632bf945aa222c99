import {
  Badge,
  Button,
  Link,
  Menu,
  MenuItem,
  MenuList,
  MenuPopover,
  MenuTrigger,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Tooltip,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import {
  ArrowDownloadRegular,
  DeleteRegular,
  EditRegular,
  ErrorCircleFilled,
  HeartPulseRegular,
  KeyRegular,
  MoreHorizontalRegular,
  PlayRegular,
  PauseRegular,
  PlugConnectedRegular,
  VideoClipRegular,
} from '@fluentui/react-icons';
import type { Integration } from '../api/types';
import { formatDateTime } from '../app/format';

export type RowAction = 'edit' | 'health' | 'recordings' | 'secret' | 'enable' | 'disable' | 'test' | 'logs' | 'delete';

const useStyles = makeStyles({
  table: { tableLayout: 'auto', width: '100%' },
  name: { width: '40%' },
  actions: { width: '64px' },
  status: { display: 'inline-flex', alignItems: 'center', gap: tokens.spacingHorizontalS },
  errorIcon: {
    color: tokens.colorPaletteRedForeground1,
    fontSize: '20px',
    display: 'inline-flex',
    borderRadius: tokens.borderRadiusCircular,
    ':focus-visible': { outline: `2px solid ${tokens.colorStrokeFocus2}` },
  },
  nameButton: { textAlign: 'start' },
  // the rows are not selectable; a hover background would also drop the name link below 4.5:1 in the dark theme
  row: { ':hover': { backgroundColor: 'transparent' }, ':active': { backgroundColor: 'transparent' } },
  tip: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  hidden: {
    position: 'absolute',
    width: '1px',
    height: '1px',
    overflow: 'hidden',
    clip: 'rect(0 0 0 0)',
    whiteSpace: 'nowrap',
  },
});

/** The KMC list: Account name (opens the editor) · Creation date · Updated at · Status (+ error mark) · ⋯ */
export function IntegrationTable(props: {
  items: Integration[];
  busyId: string | null;
  onOpen: (i: Integration) => void;
  onAction: (action: RowAction, i: Integration) => void;
}) {
  const s = useStyles();
  return (
    <Table className={s.table} aria-label="Teams integrated accounts">
      <TableHeader>
        <TableRow>
          <TableHeaderCell className={s.name}>Account name</TableHeaderCell>
          <TableHeaderCell>Creation date</TableHeaderCell>
          <TableHeaderCell>Updated at</TableHeaderCell>
          <TableHeaderCell>Status</TableHeaderCell>
          <TableHeaderCell className={s.actions}>
            <span className={s.hidden}>Actions</span>
          </TableHeaderCell>
        </TableRow>
      </TableHeader>
      <TableBody>
        {props.items.map((i) => (
          <TableRow key={i.id} className={s.row}>
            <TableCell>
              <Link as="button" className={s.nameButton} onClick={() => props.onOpen(i)}>
                {i.name}
              </Link>
            </TableCell>
            <TableCell>{formatDateTime(i.createdAt)}</TableCell>
            <TableCell>{formatDateTime(i.updatedAt)}</TableCell>
            <TableCell>
              <span className={s.status}>
                <Badge appearance="tint" color={i.status === 'enabled' ? 'success' : 'subtle'} shape="rounded">
                  {i.status === 'enabled' ? 'Enabled' : 'Disabled'}
                </Badge>
                {i.lastError && (
                  <Tooltip
                    relationship="description"
                    withArrow
                    content={
                      <div className={s.tip}>
                        <span>{i.lastError.message}</span>
                        {i.lastError.fix && <span>Fix: {i.lastError.fix}</span>}
                      </div>
                    }
                  >
                    <span role="img" tabIndex={0} aria-label={`Error: ${i.lastError.message}`} className={s.errorIcon}>
                      <ErrorCircleFilled aria-hidden />
                    </span>
                  </Tooltip>
                )}
              </span>
            </TableCell>
            <TableCell>
              <RowMenu integration={i} busy={props.busyId === i.id} onAction={(a) => props.onAction(a, i)} />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function RowMenu({ integration: i, busy, onAction }: { integration: Integration; busy: boolean; onAction: (a: RowAction) => void }) {
  return (
    <Menu>
      <MenuTrigger disableButtonEnhancement>
        <Button appearance="subtle" icon={<MoreHorizontalRegular />} aria-label={`Actions for ${i.name}`} disabled={busy} />
      </MenuTrigger>
      <MenuPopover>
        <MenuList>
          <MenuItem icon={<EditRegular />} onClick={() => onAction('edit')}>
            Edit
          </MenuItem>
          <MenuItem icon={<HeartPulseRegular />} onClick={() => onAction('health')}>
            Health
          </MenuItem>
          <MenuItem icon={<VideoClipRegular />} onClick={() => onAction('recordings')}>
            Recordings
          </MenuItem>
          <MenuItem icon={<KeyRegular />} onClick={() => onAction('secret')}>
            Update application (client) secret
          </MenuItem>
          {i.status === 'enabled' ? (
            <MenuItem icon={<PauseRegular />} onClick={() => onAction('disable')}>
              Disable
            </MenuItem>
          ) : (
            <MenuItem icon={<PlayRegular />} onClick={() => onAction('enable')}>
              Enable
            </MenuItem>
          )}
          <MenuItem icon={<PlugConnectedRegular />} onClick={() => onAction('test')}>
            Test connection
          </MenuItem>
          <MenuItem icon={<ArrowDownloadRegular />} onClick={() => onAction('logs')}>
            Download recent logs
          </MenuItem>
          <MenuItem icon={<DeleteRegular />} onClick={() => onAction('delete')}>
            Delete
          </MenuItem>
        </MenuList>
      </MenuPopover>
    </Menu>
  );
}
