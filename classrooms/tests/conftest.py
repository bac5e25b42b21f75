import pytest

from classrooms import services


@pytest.fixture
def survey(world):
    return services.survey_create(
        actor=world.county_admin,
        title="2027年党员进党校培训需求调研表",
        topics=[
            {"title": "乡村振兴与产业发展", "category": "situation_policy"},
            {"title": "红色家书与初心", "category": "revolutionary_tradition"},
            {"title": "基层党组织发展党员工作规程", "category": "practical_work"},
            {"title": "网络直播带货", "category": "practical_work"},
        ],
    )
