import {
  Field,
  Input,
  InteractionTag,
  InteractionTagPrimary,
  InteractionTagSecondary,
  TagGroup,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useState } from 'react';

const useStyles = makeStyles({
  tags: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalXS, marginTop: tokens.spacingVerticalXS },
});

/**
 * A text input that turns each entry into a removable tag: Enter adds the full text as typed
 * (category full names, group names), each tag's dismiss button is "Remove {value}".
 */
export function TagInput(props: {
  label: string;
  values: string[];
  onChange: (values: string[]) => void;
  hint?: string;
  placeholder?: string;
  validationMessage?: string;
}) {
  const s = useStyles();
  const [text, setText] = useState('');
  const add = () => {
    const v = text.trim();
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
      <Input
        value={text}
        placeholder={props.placeholder}
        onChange={(_, d) => setText(d.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            add();
          }
        }}
      />
    </Field>
      {props.values.length > 0 && (
        <TagGroup
          className={s.tags}
          onDismiss={(_, d) => props.onChange(props.values.filter((v) => v !== d.value))}
        >
          {props.values.map((v) => (
            <InteractionTag key={v} value={v} size="small" appearance="brand">
              <InteractionTagPrimary hasSecondaryAction>{v}</InteractionTagPrimary>
              <InteractionTagSecondary aria-label={`Remove ${v}`} />
            </InteractionTag>
          ))}
        </TagGroup>
      )}
    </div>
  );
}
