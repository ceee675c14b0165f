import { useRef } from "react";
import { RoseMark } from "../app/icons";
import { AuthForm } from "./AuthForm";
import { useAccount } from "./use-account";

/** What a visitor sees first when the server requires an account (REQUIRE_AUTHENTICATION=true). */
export function SignInScreen() {
  const { signedIn } = useAccount();
  const first = useRef<HTMLInputElement>(null);
  return (
    <section className="page sign-in-screen" aria-labelledby="sign-in-title">
      <RoseMark className="chat-empty-mark" />
      <h1 id="sign-in-title" className="page-title">
        Sign in to talk with Rose
      </h1>
      <AuthForm firstField={first} onDone={(account, sameIdentity) => signedIn(account, sameIdentity)} />
    </section>
  );
}
