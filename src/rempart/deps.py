"""FastAPI dependency aliases, in one place."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from rempart.bootstrap import Platform
from rempart.settings import Settings


def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.platform.settings
    return settings


PlatformDep = Annotated[Platform, Depends(get_platform)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
