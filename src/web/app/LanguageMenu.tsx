import { Button, Menu, MenuItemRadio, MenuList, MenuPopover, MenuTrigger, type MenuProps } from '@fluentui/react-components';
import { LocalLanguageRegular } from '@fluentui/react-icons';
import { LANGUAGES, useI18n, type Language } from '../i18n/i18n.js';

/** The language switch: the choice is kept in localStorage. */
export function LanguageMenu({ appearance = 'subtle', className }: { appearance?: 'subtle' | 'transparent'; className?: string }) {
  const { language, setLanguage, t } = useI18n();
  const onChange: MenuProps['onCheckedValueChange'] = (_event, data) => {
    const next = data.checkedItems[0];
    if (next !== undefined) {
      setLanguage(next as Language);
    }
  };
  return (
    <Menu checkedValues={{ language: [language] }} onCheckedValueChange={onChange}>
      <MenuTrigger disableButtonEnhancement>
        <Button appearance={appearance} className={className} icon={<LocalLanguageRegular />} aria-label={`${t('topBar.language')}: ${t(`language.${language}`)}`}>
          {t(`language.${language}`)}
        </Button>
      </MenuTrigger>
      <MenuPopover>
        <MenuList>
          {LANGUAGES.map((option) => (
            <MenuItemRadio key={option} name="language" value={option} lang={option}>
              {t(`language.${option}`)}
            </MenuItemRadio>
          ))}
        </MenuList>
      </MenuPopover>
    </Menu>
  );
}
