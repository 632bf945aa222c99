import {
  Field,
  Input,
  InteractionTag,
  InteractionTagPrimary,
  InteractionTagSecondary,
  TagGroup,
  makeStyles,
  mergeClasses,
  tokens,
  useId,
} from '@fluentui/react-components';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { LookupItem } from '../api/client';

const useStyles = makeStyles({
  tags: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalXS, marginTop: tokens.spacingVerticalXS },
  anchor: { position: 'relative', display: 'flex', flexDirection: 'column' },
  list: {
    position: 'absolute',
    top: '100%',
    left: 0,
    right: 0,
    zIndex: 10,
    margin: `${tokens.spacingVerticalXXS} 0 0`,
    padding: tokens.spacingVerticalXS,
    listStyleType: 'none',
    maxHeight: '240px',
    overflowY: 'auto',
    backgroundColor: tokens.colorNeutralBackground1,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke1}`,
    borderRadius: tokens.borderRadiusMedium,
    boxShadow: tokens.shadow16,
  },
  option: {
    padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalS}`,
    borderRadius: tokens.borderRadiusSmall,
    cursor: 'pointer',
    color: tokens.colorNeutralForeground1,
    overflowWrap: 'anywhere',
    ':hover': { backgroundColor: tokens.colorNeutralBackground1Hover },
  },
  active: {
    backgroundColor: tokens.colorNeutralBackground1Selected,
    outline: `${tokens.strokeWidthThick} solid ${tokens.colorStrokeFocus2}`,
    outlineOffset: `-${tokens.strokeWidthThick}`,
  },
  secondary: { color: tokens.colorNeutralForeground3, fontSize: tokens.fontSizeBase200 },
});

/** Looks up suggestions for what is typed: the integration's categories, groups or users. */
export type Suggest = (q: string) => Promise<LookupItem[]>;

const DEBOUNCE_MS = 250;

/**
 * Suggestions for `text`, 250 ms after the admin stops typing, from 1 character on. An answer to an
 * older text is dropped; a failed lookup suggests nothing (typing and Enter still work).
 */
function useSuggestions(suggest: Suggest | undefined, text: string): LookupItem[] {
  const [items, setItems] = useState<LookupItem[]>([]);
  useEffect(() => {
    const q = text.trim();
    if (!suggest || q.length < 1 || q.length > 100) {
      setItems([]);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      suggest(q).then(
        (found) => current && setItems(found),
        () => current && setItems([]),
      );
    }, DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [suggest, text]);
  return items;
}

/**
 * An Input with a suggestion list under it (an ARIA combobox with a listbox popup). Arrow keys move
 * through the suggestions, Enter picks the highlighted one, Escape closes the list; Enter with none
 * highlighted is left to the caller (the typed text, as before). Clicking a suggestion picks it too.
 */
function SuggestingInput(props: {
  value: string;
  onText: (text: string) => void;
  onPick: (item: LookupItem) => void;
  /** Enter with no suggestion highlighted */
  onEnter?: () => void;
  suggest?: Suggest;
  placeholder?: string;
  required?: boolean;
  disabled?: boolean;
  /** ids from the Field, passed through */
  inputProps?: Record<string, unknown>;
}) {
  const s = useStyles();
  const listId = useId('suggestions');
  const found = useSuggestions(props.disabled ? undefined : props.suggest, props.value);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const blurTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const focused = useRef(false);
  /** the value just picked: its own lookup does not reopen the list */
  const picked = useRef<string | undefined>(undefined);
  // a suggestion equal to what is typed adds nothing: the list stays for the others only
  const items = found.filter((i) => i.value !== props.value.trim() || i.label !== i.value);
  const shown = open && items.length > 0;

  useEffect(() => {
    setActive(-1);
    // an answer that comes after the admin moved on, or for what was just picked, opens nothing
    if (found.length && focused.current && picked.current !== props.value) setOpen(true);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [found]);
  useEffect(() => () => clearTimeout(blurTimer.current), []);

  const pick = (item: LookupItem) => {
    picked.current = item.value;
    props.onPick(item);
    setOpen(false);
    setActive(-1);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' && items.length) {
      e.preventDefault();
      setOpen(true);
      setActive((a) => (shown ? (a + 1) % items.length : 0));
    } else if (e.key === 'ArrowUp' && items.length) {
      e.preventDefault();
      setOpen(true);
      setActive((a) => (shown ? (a <= 0 ? items.length - 1 : a - 1) : items.length - 1));
    } else if (e.key === 'Escape' && shown) {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
      setActive(-1);
    } else if (e.key === 'Enter') {
      if (shown && active >= 0 && items[active]) {
        e.preventDefault();
        pick(items[active]);
      } else if (props.onEnter) {
        e.preventDefault();
        setOpen(false);
        props.onEnter();
      }
    }
  };

  return (
    <div className={s.anchor}>
      <Input
        {...props.inputProps}
        value={props.value}
        placeholder={props.placeholder}
        required={props.required}
        disabled={props.disabled}
        role={props.suggest ? 'combobox' : undefined}
        aria-autocomplete={props.suggest ? 'list' : undefined}
        aria-expanded={props.suggest ? shown : undefined}
        aria-controls={shown ? listId : undefined}
        aria-activedescendant={shown && active >= 0 ? `${listId}-${active}` : undefined}
        autoComplete="off"
        onChange={(_, d) => {
          picked.current = undefined;
          props.onText(d.value);
          if (!d.value.trim()) setOpen(false);
        }}
        onKeyDown={onKeyDown}
        onFocus={() => {
          focused.current = true;
          clearTimeout(blurTimer.current);
        }}
        onBlur={() => {
          focused.current = false;
          blurTimer.current = setTimeout(() => setOpen(false), 100);
        }}
      />
      {shown && (
        <ul id={listId} role="listbox" aria-label="Suggestions" className={s.list}>
          {items.map((item, i) => (
            <li
              key={item.value}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={mergeClasses(s.option, i === active && s.active)}
              // keeps the focus in the input, so the click is not a blur first
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => pick(item)}
            >
              {item.label}
              {item.label !== item.value && <span className={s.secondary}> {item.value}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * A text input that turns each entry into a removable tag: Enter adds the full text as typed
 * (category full names, group ids), each tag's dismiss button is "Remove {value}". With `suggest`,
 * matches appear as the admin types; picking one adds its value (shown by its label where the two
 * differ, e.g. an Entra group's name for its object id).
 */
export function TagInput(props: {
  label: string;
  values: string[];
  onChange: (values: string[]) => void;
  hint?: string;
  placeholder?: string;
  validationMessage?: string;
  suggest?: Suggest;
}) {
  const s = useStyles();
  const [text, setText] = useState('');
  const [labels, setLabels] = useState<Record<string, string>>({});
  const addValue = (v: string) => {
    if (!v) return;
    if (!props.values.includes(v)) props.onChange([...props.values, v]);
    setText('');
  };
  return (
    <div>
      <Field
        label={props.label}
        hint={props.hint}
        validationState={props.validationMessage ? 'error' : 'none'}
        validationMessage={props.validationMessage}
      >
        {(fieldProps) => (
          <SuggestingInput
            inputProps={fieldProps}
            value={text}
            placeholder={props.placeholder}
            suggest={props.suggest}
            onText={setText}
            onEnter={() => addValue(text.trim())}
            onPick={(item) => {
              if (item.label !== item.value) setLabels((l) => ({ ...l, [item.value]: item.label }));
              addValue(item.value);
            }}
          />
        )}
      </Field>
      {props.values.length > 0 && (
        <TagGroup
          className={s.tags}
          onDismiss={(_, d) => props.onChange(props.values.filter((v) => v !== d.value))}
        >
          {props.values.map((v) => (
            <InteractionTag key={v} value={v} size="small" appearance="brand">
              <InteractionTagPrimary hasSecondaryAction title={labels[v] ? v : undefined}>
                {labels[v] ?? v}
              </InteractionTagPrimary>
              <InteractionTagSecondary aria-label={`Remove ${v}`} />
            </InteractionTag>
          ))}
        </TagGroup>
      )}
    </div>
  );
}

/** One value with suggestions (the default user): picking one puts its value in the field. */
export function SuggestField(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  suggest?: Suggest;
  required?: boolean;
  disabled?: boolean;
  validationState?: 'error' | 'none';
  validationMessage?: string;
}) {
  return (
    <Field label={props.label} validationState={props.validationState} validationMessage={props.validationMessage}>
      {(fieldProps) => (
        <SuggestingInput
          inputProps={fieldProps}
          value={props.value}
          required={props.required}
          disabled={props.disabled}
          suggest={props.suggest}
          onText={props.onChange}
          onPick={(item) => props.onChange(item.value)}
        />
      )}
    </Field>
  );
}
