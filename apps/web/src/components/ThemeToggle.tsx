'use client';

import { useEffect, useState } from 'react';
import { THEME_KEY, type ThemeChoice } from '../lib/theme';
import styles from './ui.module.css';


function applyTheme(choice: ThemeChoice): void {
  const root = document.documentElement;
  if (choice === 'system') delete root.dataset.theme;
  else root.dataset.theme = choice;
  try {
    if (choice === 'system') localStorage.removeItem(THEME_KEY);
    else localStorage.setItem(THEME_KEY, choice);
  } catch {
    // Private windows may refuse storage; the choice then lasts for this page only.
  }
}

const CHOICES: { value: ThemeChoice; label: string }[] = [
  { value: 'system', label: 'Auto' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

export function ThemeToggle() {
  const [choice, setChoice] = useState<ThemeChoice>('system');
  useEffect(() => {
    const stored = document.documentElement.dataset.theme;
    setChoice(stored === 'light' || stored === 'dark' ? stored : 'system');
  }, []);
  return (
    <fieldset className={styles.themeToggle}>
      <legend>Colour theme</legend>
      {CHOICES.map((c) => (
        <label key={c.value} title={c.value === 'system' ? 'Follow the system setting' : `${c.label} theme`}>
          <input
            type="radio"
            name="theme"
            value={c.value}
            checked={choice === c.value}
            onChange={() => {
              setChoice(c.value);
              applyTheme(c.value);
            }}
          />
          {c.label}
        </label>
      ))}
    </fieldset>
  );
}
