import { createContext, useContext, type ReactNode } from 'react';
import type { ApiClient } from '../../client/api-client.js';
import type { Session } from '../../client/types.js';

export interface SessionContextValue {
  client: ApiClient;
  session: Session;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<SessionContextValue | undefined>(undefined);

export function SessionProvider({ value, children }: { value: SessionContextValue; children: ReactNode }) {
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/** The signed-in admin and the API client; only pages inside the shell use it. */
export function useSession(): SessionContextValue {
  const context = useContext(SessionContext);
  if (context === undefined) {
    throw new Error('useSession outside the signed-in shell');
  }
  return context;
}
