import { Fragment, type ReactNode } from "react";
import { SignInScreen } from "./SignInScreen";
import { useAccount } from "./use-account";

/**
 * Shows the pages to whoever may see them: the sign-in screen instead when the server requires an
 * account, and the pages afresh (remounted) whenever the person becomes someone else.
 */
export function AccountGate({ children, whenLocked = <SignInScreen /> }: { children: ReactNode; whenLocked?: ReactNode }) {
  const { state, identityVersion } = useAccount();
  if (state.status === "loading") return null;
  if (state.status === "anonymous" && state.accountsRequired) return whenLocked;
  return <Fragment key={identityVersion}>{children}</Fragment>;
}
