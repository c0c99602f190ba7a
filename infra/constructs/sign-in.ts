import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import {
  CfnUserPoolGroup,
  FeaturePlan,
  Mfa,
  OAuthScope,
  ResourceServerScope,
  UserPool,
  type UserPoolClient,
  type UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { ADMIN_SCOPE, ANALYST_SCOPE } from '#shared/http/auth';

/** The city's own OpenID provider, used instead of a user pool. */
export interface OwnProvider {
  /** Issuer URL (`iss` of its access tokens; its discovery document lies below it). */
  readonly issuer: string;
  /** Audience access tokens must name (`aud`, or `client_id`). */
  readonly audience: string;
  /** Client id the dashboard signs in with (authorization code + PKCE, public client). */
  readonly dashboardClientId: string;
}

/** Properties of {@link SignIn}. */
export interface SignInProps {
  /** Deployment stage; part of the hosted-UI domain prefix. */
  readonly stage: string;
  /** The API's base URL ending in `/`: the dashboard's sign-in callback (`GET /`). */
  readonly callbackUrl: string;
  /**
   * The city's own provider.
   *
   * @default - a Cognito user pool created here
   */
  readonly ownProvider?: OwnProvider;
}

/** What the dashboard page needs to sign in (injected into the page by the dashboard function). */
export interface PageSignIn {
  readonly issuer: string;
  readonly clientId: string;
  readonly scopes: string;
  /**
   * The token endpoint, when it is not on the issuer's origin: the page's Content Security Policy must
   * let it trade the code there.
   *
   * @default - on the issuer's origin
   */
  readonly tokenEndpoint?: string;
}

/**
 * Who may call the analyst and admin routes: a Cognito user pool (groups `analyst` and `admin`, a
 * public dashboard client for the authorization-code flow with PKCE, a confidential client for
 * systems and the CLI with client credentials and the `cityhub/analyst` and `cityhub/admin` scopes,
 * a hosted-UI domain), or the city's own OpenID provider; and the HTTP API JWT authorizer that
 * checks their access tokens. Which role a token has is decided by the function
 * (shared/http/auth.ts), as "group or scope" is more than `authorizationScopes` can say.
 */
export class SignIn extends Construct {
  /** The JWT authorizer of the analyst and admin routes. */
  public readonly authorizer: IHttpRouteAuthorizer;
  /** Issuer, client id and scopes the dashboard page signs in with. */
  public readonly page: PageSignIn;
  /** The user pool, when the stack made one. */
  public readonly userPool?: UserPool;
  public readonly dashboardClient?: UserPoolClient;
  public readonly systemClient?: UserPoolClient;
  public readonly domain?: UserPoolDomain;

  constructor(scope: Construct, id: string, props: SignInProps) {
    super(scope, id);
    if (props.ownProvider) {
      const { issuer, audience, dashboardClientId } = props.ownProvider;
      this.authorizer = new HttpJwtAuthorizer('JwtAuthorizer', issuer, {
        jwtAudience: [audience],
        authorizerName: 'cityhub-oidc',
      });
      this.page = { issuer, clientId: dashboardClientId, scopes: 'openid' };
      return;
    }

    const userPool = new UserPool(this, 'UserPool', {
      userPoolName: `cityhub-${props.stage}`,
      selfSignUpEnabled: false,
      signInAliases: { email: true, username: true },
      passwordPolicy: {
        minLength: 12,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      featurePlan: FeaturePlan.ESSENTIALS,
      deletionProtection: props.stage === 'prod',
      removalPolicy: props.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'The pool holds a few dozen city staff created by an admin (no self sign-up), each with a 12-character mixed password and a required TOTP second factor; the Plus plan (threat protection) is billed per monthly active user and adds little over that for this audience. Switch featurePlan to PLUS where the city policy asks for adaptive authentication.',
    });
    for (const [group, description] of [
      ['analyst', 'Reads indicators, maps, open items and feeds (analyst routes)'],
      ['admin', 'Everything analysts do, plus reference data, subscriptions, quarantine and recomputes'],
    ] as const) {
      new CfnUserPoolGroup(this, `${group[0]?.toUpperCase()}${group.slice(1)}Group`, {
        userPoolId: userPool.userPoolId,
        groupName: group,
        description,
      });
    }
    const scopeOf = (name: string) => name.split('/')[1] ?? name;
    const analystScope = new ResourceServerScope({
      scopeName: scopeOf(ANALYST_SCOPE),
      scopeDescription: 'Call the analyst routes',
    });
    const adminScope = new ResourceServerScope({
      scopeName: scopeOf(ADMIN_SCOPE),
      scopeDescription: 'Call the admin and analyst routes',
    });
    const resourceServer = userPool.addResourceServer('ResourceServer', {
      identifier: ANALYST_SCOPE.split('/')[0] ?? 'cityhub',
      userPoolResourceServerName: 'cityhub HTTP API',
      scopes: [analystScope, adminScope],
    });
    const dashboardClient = userPool.addClient('DashboardClient', {
      userPoolClientName: 'cityhub-dashboard',
      generateSecret: false,
      authFlows: {},
      preventUserExistenceErrors: true,
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [props.callbackUrl],
        logoutUrls: [props.callbackUrl],
      },
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });
    const systemClient = userPool.addClient('SystemClient', {
      userPoolClientName: 'cityhub-systems',
      generateSecret: true,
      authFlows: {},
      oAuth: {
        flows: { clientCredentials: true },
        scopes: [
          OAuthScope.resourceServer(resourceServer, analystScope),
          OAuthScope.resourceServer(resourceServer, adminScope),
        ],
      },
      accessTokenValidity: Duration.hours(1),
    });
    const domain = userPool.addDomain('Domain', {
      // Unique per region across all accounts, so the account id is part of it.
      cognitoDomain: { domainPrefix: `cityhub-${props.stage}-${Aws.ACCOUNT_ID}` },
    });
    const issuer = `https://cognito-idp.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/${userPool.userPoolId}`;
    this.authorizer = new HttpJwtAuthorizer('JwtAuthorizer', issuer, {
      // Cognito access tokens carry the client in `client_id`, which the authorizer checks as audience.
      jwtAudience: [dashboardClient.userPoolClientId, systemClient.userPoolClientId],
      authorizerName: 'cityhub-user-pool',
    });
    // The issuer (and its discovery document) is cognito-idp; the hosted UI's domain signs people in and
    // trades codes for tokens.
    const tokenEndpoint = `${domain.baseUrl()}/oauth2/token`;
    this.page = {
      issuer,
      clientId: dashboardClient.userPoolClientId,
      scopes: 'openid email profile',
      tokenEndpoint,
    };
    this.userPool = userPool;
    this.dashboardClient = dashboardClient;
    this.systemClient = systemClient;
    this.domain = domain;

    new CfnOutput(this, 'UserPoolId', {
      description: 'Cognito user pool of cityhub users',
      value: userPool.userPoolId,
    });
    new CfnOutput(this, 'DashboardClientId', {
      description: 'App client the dashboard signs in with (authorization code + PKCE)',
      value: dashboardClient.userPoolClientId,
    });
    new CfnOutput(this, 'SystemClientId', {
      description:
        'App client for systems and the CLI (client credentials; its secret is in the Cognito console)',
      value: systemClient.userPoolClientId,
    });
    new CfnOutput(this, 'TokenUrl', {
      description: 'OAuth token endpoint for client credentials (cityhub --token-url)',
      value: tokenEndpoint,
    });
  }
}
